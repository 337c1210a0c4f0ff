/** Trueup host manifests for the benchmark repositories: many Files, a Directory, a few Services. */

export interface ManagedFile {
  /** Object name, also the file's base name without extension. */
  name: string;
  /** Path on the host (under the root). */
  path: string;
  /** Path of the content in the repository, relative to the manifest folder. */
  source: string;
}

export interface BenchService {
  name: string;
  port: number;
  /** Working directory on the host, where the service writes its pid file. */
  dir: string;
}

/** Documents per manifest file; the YAML reader accepts at most 1,000 per file. */
const DOCS_PER_MANIFEST = 100;

/** `count` files `<dir>/f0000.txt`… whose content lives in the repository at `<sourceDir>/f0000.txt`. */
export function managedFiles(count: number, dir: string, sourceDir: string): ManagedFile[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `f${String(i).padStart(4, '0')}`;
    return { name, path: `${dir}/${name}.txt`, source: `${sourceDir}/${name}.txt` };
  });
}

function doc(kind: string, name: string, spec: Record<string, unknown>): string {
  return `---\napiVersion: host.trueup.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify(spec)}\n`;
}

/**
 * The command of a service: writes its pid to `service.pid` in its working directory (so the
 * benchmark can stop it whoever started it), then becomes a Python HTTP server on loopback.
 */
export function serviceArgv(port: number): string[] {
  return ['/bin/sh', '-c', `echo $$ > service.pid; exec /usr/bin/python3 -m http.server --bind 127.0.0.1 ${port}`];
}

/** Manifest files (path relative to the manifest folder → YAML), at most 100 documents each. */
export function hostManifests(options: { directories: readonly string[]; files: readonly ManagedFile[]; services?: readonly BenchService[] }): Record<string, string> {
  const manifests: Record<string, string> = {};
  manifests['directories.yaml'] = options.directories.map((path, i) => doc('Directory', `dir-${i}`, { path })).join('');
  for (let i = 0; i * DOCS_PER_MANIFEST < options.files.length; i++) {
    const part = options.files.slice(i * DOCS_PER_MANIFEST, (i + 1) * DOCS_PER_MANIFEST);
    manifests[`files-${String(i).padStart(2, '0')}.yaml`] = part.map((f) => doc('File', f.name, { path: f.path, source: f.source, mode: '0644' })).join('');
  }
  if (options.services !== undefined && options.services.length > 0) {
    manifests['services.yaml'] = options.services.map((s) => doc('Service', s.name, {
      command: serviceArgv(s.port),
      workingDir: s.dir,
      restart: 'always',
      healthCheck: { tcp: { port: s.port } },
    })).join('');
  }
  return manifests;
}
