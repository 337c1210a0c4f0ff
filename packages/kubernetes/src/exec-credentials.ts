/**
 * Credentials from a kubeconfig `exec` plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`,
 * `kubelogin`…), as client-go runs them: the command with its args and env, told about the
 * call in `KUBERNETES_EXEC_INFO`, answering an `ExecCredential` on stdout. The answer is kept
 * until its `expirationTimestamp` (or until the API server refuses it), and one run serves every
 * request that needs it meanwhile.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { KubeErrors } from './errors.ts';

export interface ExecPlugin {
  /** `client.authentication.k8s.io/v1` or `…/v1beta1`. */
  apiVersion: string;
  /** A name looked up in $PATH, or a path (relative to the kubeconfig's folder). */
  command: string;
  args: string[];
  env: Record<string, string>;
  installHint?: string;
  /** The kubeconfig's folder: where a relative command path starts. */
  baseDir: string;
  /** Passed to the plugin in `spec.cluster` when `provideClusterInfo` is set. */
  cluster?: { server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } | undefined;
}

export interface ExecCredential {
  token?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  /** Epoch ms after which the credential is fetched again; undefined: until refused. */
  expiresAt?: number;
}

const PLUGIN_TIMEOUT_MS = 60_000;
/** A credential this close to its expiry is fetched again rather than sent. */
const EXPIRY_MARGIN_MS = 10_000;
/** The ExecCredential versions a plugin may speak. */
export const EXEC_API_VERSIONS: readonly string[] = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

export class ExecCredentials {
  readonly #plugin: ExecPlugin;
  readonly #now: () => number;
  #current: Promise<ExecCredential> | undefined;
  /** What `#current` gave, once it did. */
  #known: ExecCredential | undefined;

  constructor(plugin: ExecPlugin, now: () => number = Date.now) {
    this.#plugin = plugin;
    this.#now = now;
  }

  /** The current credential, running the plugin when there is none or it is about to expire. */
  async get(): Promise<ExecCredential> {
    const current = this.#current;
    if (current !== undefined) {
      const credential = await current.catch(() => undefined);
      if (credential !== undefined && (credential.expiresAt === undefined || credential.expiresAt - EXPIRY_MARGIN_MS > this.#now())) return credential;
      if (this.#current !== current) return this.get(); // another caller already started a new run
    }
    const next = this.#run();
    this.#current = next;
    return next;
  }

  /** Forgets the credential `used` after the API server refused it (401): the next `get` runs the plugin. */
  invalidate(used: ExecCredential): void {
    if (this.#known !== used) return; // already replaced
    this.#current = undefined;
    this.#known = undefined;
  }

  async #run(): Promise<ExecCredential> {
    const { command, args, env, baseDir } = this.#plugin;
    const file = command.includes('/') && !isAbsolute(command) ? resolve(baseDir, command) : command;
    const info = { apiVersion: this.#plugin.apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(this.#plugin.cluster === undefined ? {} : { cluster: this.#plugin.cluster }) } };
    const stdout = await new Promise<string>((done, fail) => {
      execFile(file, args, {
        env: { ...process.env, ...env, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
        timeout: PLUGIN_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8',
      }, (error, out, err) => {
        if (error === null) done(out);
        else fail(this.#failure(error, err));
      });
    });
    this.#known = this.#parse(stdout);
    return this.#known;
  }

  #failure(error: ExecFileException, stderr: string): Error {
    const { command, installHint } = this.#plugin;
    const hint = installHint === undefined || installHint.trim() === '' ? '' : ` (${installHint.trim()})`;
    if (error.code === 'ENOENT') return KubeErrors.create('KUBE_EXEC_FAILED', `exec plugin "${command}" was not found${hint}`);
    if (error.killed === true) return KubeErrors.create('KUBE_EXEC_FAILED', `exec plugin "${command}" gave no credential within ${PLUGIN_TIMEOUT_MS / 1000} s`);
    const said = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
    return KubeErrors.create('KUBE_EXEC_FAILED', `exec plugin "${command}" failed (exit ${String(error.code)})${said === '' ? '' : `: ${said}`}`);
  }

  #parse(stdout: string): ExecCredential {
    const invalid = (why: string): Error => KubeErrors.create('KUBE_EXEC_FAILED', `exec plugin "${this.#plugin.command}" answered no usable ExecCredential: ${why}`);
    let answer: unknown;
    try {
      answer = JSON.parse(stdout);
    } catch {
      throw invalid('its output is not JSON');
    }
    const body = typeof answer === 'object' && answer !== null ? answer as Record<string, unknown> : {};
    if (body['kind'] !== 'ExecCredential') throw invalid(`kind is ${JSON.stringify(body['kind'])}`);
    if (body['apiVersion'] !== this.#plugin.apiVersion) throw invalid(`apiVersion is ${JSON.stringify(body['apiVersion'])}, the kubeconfig asks for ${this.#plugin.apiVersion}`);
    const status = typeof body['status'] === 'object' && body['status'] !== null ? body['status'] as Record<string, unknown> : {};
    const text = (field: string): string | undefined => (typeof status[field] === 'string' && status[field] !== '' ? status[field] : undefined);
    const credential: ExecCredential = {};
    const token = text('token');
    const cert = text('clientCertificateData');
    const key = text('clientKeyData');
    if (token !== undefined) credential.token = token;
    if ((cert === undefined) !== (key === undefined)) throw invalid('status has a client certificate without its key, or a key without its certificate');
    if (cert !== undefined && key !== undefined) Object.assign(credential, { cert, key });
    if (token === undefined && cert === undefined) throw invalid('status has neither token nor clientCertificateData');
    const expiry = text('expirationTimestamp');
    if (expiry !== undefined) {
      const at = Date.parse(expiry);
      if (Number.isNaN(at)) throw invalid(`expirationTimestamp "${expiry}" is not a time`);
      credential.expiresAt = at;
    }
    return credential;
  }
}
