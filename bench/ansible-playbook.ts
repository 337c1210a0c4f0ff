/**
 * The Ansible playbook equivalent to the Trueup host manifests of the side-by-side repository:
 * the same directories, the same files (one `copy` of the folder), the same service processes
 * (started with nohup behind a pid-file `creates:` guard, as there is no systemd).
 */
import type { BenchService } from './host-manifests.ts';

export function ansiblePlaybook(options: { directories: readonly string[]; dataDir: string; services: readonly BenchService[] }): string {
  const services = options.services.map((s) => `        - { dir: ${s.dir}, port: ${s.port} }`).join('\n');
  return `# Equivalent of ../trueup: run with ansible-pull -e root=/path/to/root.
- name: Converge the host
  hosts: all
  connection: local
  # Trueup gathers no facts either.
  gather_facts: false
  tasks:
    - name: Directories
      ansible.builtin.file:
        path: "{{ root }}{{ item }}"
        state: directory
        mode: "0755"
      loop: ${JSON.stringify(options.directories)}

    - name: Files (copy of the whole folder)
      ansible.builtin.copy:
        src: "{{ playbook_dir }}/../files/"
        dest: "{{ root }}${options.dataDir}/"
        mode: "0644"

    - name: Services
      ansible.builtin.shell:
        cmd: >-
          nohup /bin/sh -c 'echo $$ > service.pid; exec /usr/bin/python3 -m http.server --bind 127.0.0.1 {{ item.port }}'
          > service.log 2>&1 &
        chdir: "{{ root }}{{ item.dir }}"
        creates: "{{ root }}{{ item.dir }}/service.pid"
      loop:
${services}
`;
}
