/** Reads Application files (or folders of them) given to the agent or the CLI. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ApplicationSchema, fromArgoApplication, isArgoApplication, parseYamlDocuments, validateDocument, type Application } from '@trueup/api';
import { AgentErrors } from './errors.ts';

export interface LoadedApplication {
  application: Application;
  /** The file it was read from, as given. */
  file: string;
  /** Folder that relative paths in it (credential files) resolve against. */
  baseDir: string;
  /** An Application declared in a parent's render (app of apps): how and where Git declares it. */
  declared?: { apiVersion: string; file: string; line: number };
  /**
   * Set when Git's declaration cannot run (a field Trueup cannot honour): the child is not
   * started and shows this error as its own; its parent is not affected. `application` then
   * carries only the child's name and source, for its status.
   */
  refused?: { code: string; message: string; file: string; line: number; field?: string };
}

export async function loadApplications(paths: readonly string[]): Promise<LoadedApplication[]> {
  const files = (await Promise.all(paths.map(expand))).flat();
  const loaded = (await Promise.all(files.map(loadFile))).flat();
  if (loaded.length === 0) throw AgentErrors.create('AGENT_NO_APPLICATIONS', `no Application found in ${paths.join(', ')}`);
  const seen = new Map<string, string>();
  for (const { application, file } of loaded) {
    const other = seen.get(application.metadata.name);
    if (other !== undefined) {
      throw AgentErrors.create('AGENT_DUPLICATE_APPLICATION', `Application "${application.metadata.name}" is defined in ${other} and in ${file}`, { file, field: 'metadata.name' });
    }
    seen.set(application.metadata.name, file);
  }
  return loaded;
}

async function expand(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.name.startsWith('.')).map((e) => join(path, e.name)).sort();
}

async function loadFile(file: string): Promise<LoadedApplication[]> {
  const docs = parseYamlDocuments(await readFile(file, 'utf8'), file);
  const baseDir = dirname(resolve(file));
  return docs.map((doc) => ({ application: isArgoApplication(doc.value) ? fromArgoApplication(doc, file) : validateDocument(ApplicationSchema, doc, file), file, baseDir }));
}
