/**
 * SOPS-encrypted files decrypted before rendering, as Flux does it: the checkout is copied to a
 * private temporary folder (the checkout itself is never written), every SOPS file in it (YAML or
 * JSON with `sops` metadata, and dotenv or INI files with `sops_` keys) decrypted in place by the
 * reference `sops` with age keys given only through its environment, and the render reads the
 * copy, which is removed afterwards.
 *
 * Decrypted values must stay out of diffs and status: a decrypted YAML or JSON file may hold only
 * Secrets (whose values every diff redacts); anything else is refused, naming the file. PGP is
 * refused: only age keys are held.
 */
import { cp, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiErrors, parseYamlDocuments } from '@trueup/api';
import { RenderErrors } from './errors.ts';
import { runTool, toolEnv } from './kube/run-tool.ts';
import { isMapping } from './kube/kube-manifest.ts';
import type { RenderLimits } from './limits.ts';

export interface Decryption {
  /** age identities (`AGE-SECRET-KEY-1…` lines), as read from the key files. */
  ageKeys: string;
  bin: string;
  limits: RenderLimits;
  signal?: AbortSignal | undefined;
}

const STRUCTURED = /\.(ya?ml|json)$/i;
const FLAT = /\.(env|ini)$/i;

/** Runs `render` on a copy of the checkout with its SOPS files decrypted; returns what it returns. */
export async function withDecryptedCheckout<T>(checkoutDir: string, decryption: Decryption, render: (dir: string) => Promise<T>): Promise<T> {
  const home = await realpath(await mkdtemp(path.join(tmpdir(), 'trueup-sops-')));
  try {
    const copy = path.join(home, 'checkout');
    await cp(checkoutDir, copy, { recursive: true, verbatimSymlinks: true, filter: (source) => path.basename(source) !== '.git' });
    for (const file of await encryptedFiles(copy, decryption.limits.maxFiles)) {
      await decrypt(copy, file, home, decryption);
    }
    return await render(copy);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Repo-relative files whose text carries SOPS metadata. */
async function encryptedFiles(root: string, maxFiles: number): Promise<string[]> {
  const found: string[] = [];
  let seen = 0;
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) await visit(relative);
      else if (entry.isFile() && (STRUCTURED.test(entry.name) || FLAT.test(entry.name))) {
        if (++seen > maxFiles * 4) throw RenderErrors.create('RENDER_LIMIT', `more than ${maxFiles * 4} files to look at for SOPS metadata`, {});
        const text = await readFile(path.join(root, relative), 'utf8');
        if (FLAT.test(entry.name) ? /^sops_mac=/m.test(text) : /\bsops\b/.test(text) && /\bmac\b/.test(text)) found.push(relative);
      }
    }
  };
  await visit('');
  return found.sort();
}

async function decrypt(root: string, file: string, home: string, decryption: Decryption): Promise<void> {
  const absolute = path.join(root, file);
  const text = await readFile(absolute, 'utf8');
  if (STRUCTURED.test(file)) {
    const metadata = sopsMetadata(text, file);
    if (metadata === undefined) return; // a manifest that merely mentions sops
    const uses = (key: string): boolean => Array.isArray(metadata[key]) && (metadata[key] as unknown[]).length > 0;
    if (!uses('age')) {
      const others = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault'].filter(uses);
      throw ApiErrors.create('API_FIELD_INVALID', `${file} is encrypted for ${others.join(', ') || 'no key'}, not age: only age keys are supported (add an age recipient with sops updatekeys)`, { file, field: 'sops' });
    }
  }
  const type = STRUCTURED.test(file) ? (file.toLowerCase().endsWith('.json') ? 'json' : 'yaml') : file.toLowerCase().endsWith('.ini') ? 'ini' : 'dotenv';
  const plain = await runTool({
    tool: 'sops', bin: decryption.bin, args: ['--decrypt', '--input-type', type, '--output-type', type, absolute],
    env: toolEnv(home, { SOPS_AGE_KEY: decryption.ageKeys }), cwd: home, renderPath: file, signal: decryption.signal, doing: 'decrypting',
    rewrites: [{ from: `${root}/`, to: '' }, { from: home, to: '<tmp>' }],
  });
  if (STRUCTURED.test(file)) onlySecrets(plain, file, decryption.limits);
  await writeFile(absolute, plain);
}

function sopsMetadata(text: string, file: string): Record<string, unknown> | undefined {
  try {
    for (const doc of parseYamlDocuments(text, file)) {
      if (isMapping(doc.value) && isMapping(doc.value['sops'])) return doc.value['sops'];
    }
  } catch {
    return undefined; // not YAML: the render reports it as it would any file
  }
  return undefined;
}

/** Decrypted manifests must all be Secrets: their values are redacted in every diff. */
function onlySecrets(text: string, file: string, limits: RenderLimits): void {
  for (const doc of parseYamlDocuments(text, file, limits.yaml)) {
    const value = doc.value;
    if (!isMapping(value) || value['kind'] !== 'Secret') {
      const kind = isMapping(value) && typeof value['kind'] === 'string' ? value['kind'] : 'a document that is not a Kubernetes object';
      throw ApiErrors.create('API_FIELD_INVALID', `${file} is SOPS-encrypted but holds ${kind}: only Secrets are decrypted, so decrypted values never show in diffs or status`, { file, line: doc.line, field: 'kind' });
    }
  }
}
