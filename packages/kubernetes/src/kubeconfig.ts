/**
 * Where a cluster is and how to prove who we are: from a kubeconfig file (a context of it), or
 * from the service account a pod runs as. A bearer token (inline or in a file), a client
 * certificate, or an exec plugin (exec-credentials.ts); the legacy auth-provider plugins, removed
 * from Kubernetes, are refused with a clear error.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseYamlDocuments } from '@trueup/api';
import { KubeErrors } from './errors.ts';
import { EXEC_API_VERSIONS, type ExecPlugin } from './exec-credentials.ts';

export interface ClusterCredentials {
  /** `https://host:port`, no trailing slash. */
  server: string;
  /** PEM of the CA bundle that signs the server's certificate; undefined: the system's. */
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  /** A bearer token, or the file to read it from on every connection (rotated tokens). */
  token?: string;
  tokenFile?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  /** A command that gives a token or client certificate when asked (kubeconfig `user.exec`). */
  exec?: ExecPlugin;
  /** A stable name for this cluster and identity: clients and caches are shared per name. */
  id: string;
}

export interface KubeconfigSelection {
  /** Path of the kubeconfig; relative paths resolve against `baseDir`. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
  baseDir?: string;
}

const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The kubeconfig named, else in-cluster credentials when running in a pod, else `$KUBECONFIG`
 * (its first file), else `~/.kube/config`. `inClusterDir` is where a pod finds its service
 * account (tests name another).
 */
export function loadClusterCredentials(selection: KubeconfigSelection, env: NodeJS.ProcessEnv = process.env, inClusterDir = IN_CLUSTER_DIR): ClusterCredentials {
  if (selection.kubeconfig !== undefined) return fromKubeconfig(resolve(selection.baseDir ?? '.', selection.kubeconfig), selection.context);
  if (env['KUBERNETES_SERVICE_HOST'] !== undefined && env['KUBERNETES_SERVICE_PORT'] !== undefined) return inCluster(env, inClusterDir);
  const fromEnv = env['KUBECONFIG']?.split(':').find((part) => part !== '');
  const path = fromEnv ?? (env['HOME'] === undefined ? undefined : `${env['HOME']}/.kube/config`);
  if (path === undefined) throw KubeErrors.create('KUBE_CONFIG_INVALID', 'no kubeconfig: set destination.kubernetes.kubeconfig or $KUBECONFIG');
  return fromKubeconfig(path, selection.context);
}

function inCluster(env: NodeJS.ProcessEnv, dir: string): ClusterCredentials {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env['KUBERNETES_SERVICE_PORT'] ?? '443'}`;
  return { server, ca: readText(`${dir}/ca.crt`, 'in-cluster CA'), tokenFile: `${dir}/token`, id: `in-cluster:${server}` };
}

function fromKubeconfig(file: string, contextName: string | undefined): ClusterCredentials {
  const [doc] = parseYamlDocuments(readText(file, 'kubeconfig'), file);
  const config = record(doc?.value);
  const invalid = (message: string): Error => KubeErrors.create('KUBE_CONFIG_INVALID', message, { file });
  const wanted = contextName ?? stringOr(config['current-context']);
  if (wanted === undefined || wanted === '') throw invalid('no context given and the kubeconfig has no current-context');
  const context = record(named(config['contexts'], wanted, 'context', invalid));
  const clusterName = stringOr(context['cluster']) ?? '';
  const userName = stringOr(context['user']) ?? '';
  const cluster = record(named(config['clusters'], clusterName, 'cluster', invalid));
  const user = userName === '' ? {} : record(named(config['users'], userName, 'user', invalid));
  const server = stringOr(cluster['server'])?.replace(/\/+$/, '');
  if (server === undefined) throw invalid(`cluster "${clusterName}" has no server`);
  if (user['auth-provider'] !== undefined) {
    throw invalid(`user "${userName}" uses an auth-provider plugin, which Kubernetes no longer supports; use an exec plugin, a token, tokenFile or client certificate`);
  }
  const base = dirname(file);
  const pem = (dataField: string, fileField: string, source: Record<string, unknown>): string | undefined => {
    const data = stringOr(source[dataField]);
    if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
    const path = stringOr(source[fileField]);
    return path === undefined ? undefined : readText(isAbsolute(path) ? path : resolve(base, path), fileField);
  };
  const tokenFile = stringOr(user['tokenFile']);
  const credentials: ClusterCredentials = { server, id: `${file}#${wanted}` };
  const ca = pem('certificate-authority-data', 'certificate-authority', cluster);
  if (ca !== undefined) credentials.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) credentials.insecureSkipTLSVerify = true;
  const token = stringOr(user['token']);
  if (token !== undefined) credentials.token = token;
  if (tokenFile !== undefined) credentials.tokenFile = isAbsolute(tokenFile) ? tokenFile : resolve(base, tokenFile);
  const cert = pem('client-certificate-data', 'client-certificate', user);
  const key = pem('client-key-data', 'client-key', user);
  if ((cert === undefined) !== (key === undefined)) throw invalid(`user "${userName}" has a client ${cert === undefined ? 'key without a certificate' : 'certificate without a key'}`);
  if (cert !== undefined && key !== undefined) Object.assign(credentials, { cert, key });
  if (user['exec'] !== undefined) credentials.exec = execPlugin(record(user['exec']), base, `user "${userName}" exec`, invalid, provideClusterInfo(cluster, server));
  return credentials;
}

function execPlugin(exec: Record<string, unknown>, baseDir: string, where: string, invalid: (message: string) => Error, cluster: ExecPlugin['cluster']): ExecPlugin {
  const apiVersion = stringOr(exec['apiVersion']);
  const command = stringOr(exec['command']);
  if (apiVersion === undefined) throw invalid(`${where}: apiVersion is required`);
  if (!EXEC_API_VERSIONS.includes(apiVersion)) throw invalid(`${where}: apiVersion "${apiVersion}" is not supported; use ${EXEC_API_VERSIONS.join(' or ')}`);
  if (command === undefined || command === '') throw invalid(`${where}: command is required`);
  const args = exec['args'] ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) throw invalid(`${where}: args must be a list of strings`);
  const env: Record<string, string> = {};
  for (const entry of Array.isArray(exec['env']) ? exec['env'].map(record) : []) {
    const name = stringOr(entry['name']);
    if (name === undefined || typeof entry['value'] !== 'string') throw invalid(`${where}: every env entry needs a name and a string value`);
    env[name] = entry['value'];
  }
  if (exec['interactiveMode'] === 'Always') throw invalid(`${where}: interactiveMode is Always, but the agent runs without a terminal; sign in ahead, or use a plugin that needs no prompt`);
  const hint = stringOr(exec['installHint']);
  return {
    apiVersion,
    command,
    args,
    env,
    baseDir,
    ...(hint === undefined ? {} : { installHint: hint }),
    ...(exec['provideClusterInfo'] === true ? { cluster } : {}),
  };
}

/** The cluster as an exec plugin is told it (`spec.cluster` of its ExecCredential). */
function provideClusterInfo(cluster: Record<string, unknown>, server: string): ExecPlugin['cluster'] {
  const caData = stringOr(cluster['certificate-authority-data']);
  return {
    server,
    ...(caData === undefined ? {} : { 'certificate-authority-data': caData }),
    ...(cluster['insecure-skip-tls-verify'] === true ? { 'insecure-skip-tls-verify': true } : {}),
  };
}

function named(list: unknown, name: string, what: string, invalid: (message: string) => Error): unknown {
  const entry = Array.isArray(list) ? list.map(record).find((item) => item['name'] === name) : undefined;
  if (entry === undefined) throw invalid(`no ${what} named "${name}"`);
  return entry[what];
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw KubeErrors.create('KUBE_CONFIG_INVALID', `cannot read ${what} ${path}: ${(error as Error).message}`, { file: path });
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
