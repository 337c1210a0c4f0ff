/**
 * `trueup install kubernetes`: the agent inside the cluster, as the pull model has it. Applies
 * (server-side, field manager `trueup-install`) or prints a Namespace, a ServiceAccount, RBAC for
 * the scope, the Applications given in a ConfigMap, and a Deployment running `trueup agent` on
 * them with the image given (built from the repository's Containerfile).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadApplications } from '@trueup/agent';
import { stringifyYaml } from '@trueup/api';
import { ClusterSession, loadClusterCredentials, resourcePath } from '@trueup/kubernetes';
import type { Command } from '../command.ts';
import { installManifests, type Manifest } from '../install/manifests.ts';

export const DEFAULT_IMAGE = 'trueup:0.1.0';

export const installCommand: Command = {
  name: 'install',
  usage: 'trueup install kubernetes --applications PATH… [--namespace trueup-system] [--image IMG] [--scope cluster|namespace] [--print] [--kubeconfig F] [--context C]',
  summary: 'Install the agent into a Kubernetes cluster (Namespace, ServiceAccount, RBAC, Applications, Deployment), or print the manifests.',
  options: {
    namespace: { type: 'string', default: 'trueup-system' },
    image: { type: 'string', default: DEFAULT_IMAGE },
    scope: { type: 'string', default: 'cluster' },
    applications: { type: 'string', multiple: true },
    print: { type: 'boolean', default: false },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
  },
  async run({ values, positionals }) {
    const [target] = positionals;
    if (target !== 'kubernetes') throw new Error('give the target: trueup install kubernetes');
    const scope = values.scope;
    if (scope !== 'cluster' && scope !== 'namespace') throw new Error(`unknown scope "${String(scope)}": use cluster or namespace`);
    const paths = Array.isArray(values.applications) ? values.applications.map(String) : [];
    if (paths.length === 0) throw new Error('give the Application files or folders the agent runs: --applications PATH');
    await loadApplications(paths); // the agent would refuse them: refuse them now, naming file and field
    const manifests = installManifests({ namespace: String(values.namespace), image: String(values.image), scope, applications: await applicationFiles(paths) });
    if (values.print === true) {
      process.stdout.write(manifests.map((manifest) => `---\n${stringifyYaml(manifest)}`).join(''));
      return 0;
    }
    const session = new ClusterSession(loadClusterCredentials({
      ...(typeof values.kubeconfig === 'string' ? { kubeconfig: values.kubeconfig } : {}),
      ...(typeof values.context === 'string' ? { context: values.context } : {}),
    }));
    try {
      for (const manifest of manifests) await apply(session, manifest);
    } finally {
      session.client.close();
    }
    return 0;
  },
};

async function apply(session: ClusterSession, manifest: Manifest): Promise<void> {
  const info = await session.discovery.resolve(manifest.apiVersion, manifest.kind);
  if (info === undefined) throw new Error(`the cluster serves no ${manifest.apiVersion} ${manifest.kind}`);
  const path = resourcePath(info, manifest.metadata.namespace, manifest.metadata.name);
  await session.client.request('PATCH', path, { body: manifest, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'trueup-install', force: 'true' } });
  const where = manifest.metadata.namespace === undefined ? '' : `${manifest.metadata.namespace}/`;
  process.stdout.write(`applied ${manifest.kind} ${where}${manifest.metadata.name}\n`);
}

/** The files of the paths, by name, as the ConfigMap holds them. */
async function applicationFiles(paths: readonly string[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const path of paths) {
    const names = (await stat(path)).isDirectory() ? (await readdir(path)).filter((name) => /\.ya?ml$/.test(name) && !name.startsWith('.')).map((name) => join(path, name)) : [path];
    for (const file of names) {
      const key = basename(file);
      if (files[key] !== undefined) throw new Error(`two Application files are named ${key}: the ConfigMap holds files by name`);
      files[key] = await readFile(file, 'utf8');
    }
  }
  return files;
}
