/** An application of `count` managed files (content in the repository), with its own root and state. */
import { join } from 'node:path';
import { hostManifests, managedFiles, type ManagedFile } from './host-manifests.ts';
import { createBenchRepo, fileContent, writeAppFile, type BenchRepo } from './repo-fixture.ts';

export interface FilesApp {
  name: string;
  repo: BenchRepo;
  appFile: string;
  root: string;
  stateDir: string;
  files: ManagedFile[];
  /** Where the file lives on this host. */
  hostPath(file: ManagedFile): string;
  /** Repository path of the file's content. */
  repoPath(file: ManagedFile): string;
}

const DATA_DIR = '/srv/data';

export async function createFilesApp(dir: string, name: string, count: number): Promise<FilesApp> {
  const files = managedFiles(count, DATA_DIR, 'content');
  const repoFiles: Record<string, string> = {};
  for (const [path, yaml] of Object.entries(hostManifests({ directories: ['/srv', DATA_DIR], files }))) repoFiles[`app/${path}`] = yaml;
  files.forEach((file, i) => (repoFiles[`app/${file.source}`] = fileContent(i, 0)));
  const repo = await createBenchRepo(join(dir, 'repo'), repoFiles);
  const root = join(dir, 'root');
  const appFile = await writeAppFile(join(dir, `${name}.yaml`), { name, repoURL: repo.repoURL, path: 'app', root });
  return {
    name, repo, appFile, root, files,
    stateDir: join(dir, 'state'),
    hostPath: (file) => join(root, file.path),
    repoPath: (file) => `app/${file.source}`,
  };
}
