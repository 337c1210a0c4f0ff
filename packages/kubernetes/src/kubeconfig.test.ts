/** loadClusterCredentials: kubeconfig files, contexts, credential forms, $KUBECONFIG and in-cluster, with temporary files. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { loadClusterCredentials } from './kubeconfig.ts';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nkey\n-----END EC PRIVATE KEY-----\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trueup-kubeconfig-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Entry { name: string; [field: string]: unknown }

/** Writes a kubeconfig (JSON is YAML) into a fresh folder; returns its path. */
async function kubeconfig(config: { clusters?: Entry[]; users?: Entry[]; contexts?: Entry[]; 'current-context'?: string }, files: Record<string, string> = {}): Promise<string> {
  const folder = await mkdtemp(join(dir, 'kc-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(folder, name, '..'), { recursive: true });
    await writeFile(join(folder, name), text);
  }
  const path = join(folder, 'config');
  await writeFile(path, JSON.stringify({ apiVersion: 'v1', kind: 'Config', ...config }));
  return path;
}

const cluster = (name: string, fields: Record<string, unknown>): Entry => ({ name, cluster: fields });
const user = (name: string, fields: Record<string, unknown>): Entry => ({ name, user: fields });
const context = (name: string, clusterName: string, userName: string): Entry => ({ name, context: { cluster: clusterName, user: userName } });

function invalid(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isTrueupError(error, 'KUBE_CONFIG_INVALID'), String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

test('kubeconfig: a token and inline CA data, from the current context (YAML as kubectl writes it)', async () => {
  const folder = await mkdtemp(join(dir, 'yaml-'));
  const path = join(folder, 'config');
  await writeFile(path, [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: prod',
    '  cluster:',
    '    server: https://10.0.0.1:6443/',
    `    certificate-authority-data: ${b64(CA)}`,
    'users:',
    '- name: deployer',
    '  user:',
    '    token: s3cret',
    'contexts:',
    '- name: deployer@prod',
    '  context: {cluster: prod, user: deployer, namespace: web}',
    'current-context: deployer@prod',
    '',
  ].join('\n'));
  const credentials = loadClusterCredentials({ kubeconfig: path }, {});
  assert.deepEqual(credentials, { server: 'https://10.0.0.1:6443', ca: CA, token: 's3cret', id: `${path}#deployer@prod` });
});

test('kubeconfig: relative certificate-authority and tokenFile paths resolve against the kubeconfig’s folder', async () => {
  const path = await kubeconfig({
    clusters: [cluster('c', { server: 'https://k8s.example:443', 'certificate-authority': 'pki/ca.crt' })],
    users: [user('u', { tokenFile: 'secrets/token' })],
    contexts: [context('ctx', 'c', 'u')],
    'current-context': 'ctx',
  }, { 'pki/ca.crt': CA, 'secrets/token': 'from-file\n' });
  const credentials = loadClusterCredentials({ kubeconfig: path }, {});
  assert.equal(credentials.ca, CA);
  assert.equal(credentials.tokenFile, join(path, '..', 'secrets/token'));
  assert.equal(credentials.token, undefined);
});

test('kubeconfig: certificate-authority-data wins over certificate-authority; a missing CA file is an error naming it', async () => {
  const both = await kubeconfig({
    clusters: [cluster('c', { server: 'https://k', 'certificate-authority-data': b64(CA), 'certificate-authority': 'does-not-exist.crt' })],
    contexts: [context('ctx', 'c', '')],
    'current-context': 'ctx',
  });
  assert.equal(loadClusterCredentials({ kubeconfig: both }, {}).ca, CA);
  const missing = await kubeconfig({
    clusters: [cluster('c', { server: 'https://k', 'certificate-authority': 'does-not-exist.crt' })],
    contexts: [context('ctx', 'c', '')],
    'current-context': 'ctx',
  });
  assert.throws(() => loadClusterCredentials({ kubeconfig: missing }, {}), invalid(/does-not-exist\.crt/));
});

test('kubeconfig: a client certificate and key, inline or from files, never one without the other; insecure-skip-tls-verify', async () => {
  const inline = await kubeconfig({
    clusters: [cluster('c', { server: 'https://k', 'insecure-skip-tls-verify': true })],
    users: [user('u', { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) })],
    contexts: [context('ctx', 'c', 'u')],
    'current-context': 'ctx',
  });
  const fromData = loadClusterCredentials({ kubeconfig: inline }, {});
  assert.equal(fromData.cert, CERT);
  assert.equal(fromData.key, KEY);
  assert.equal(fromData.insecureSkipTLSVerify, true);
  const files = await kubeconfig({
    clusters: [cluster('c', { server: 'https://k' })],
    users: [user('u', { 'client-certificate': 'client.crt', 'client-key': 'client.key' })],
    contexts: [context('ctx', 'c', 'u')],
    'current-context': 'ctx',
  }, { 'client.crt': CERT, 'client.key': KEY });
  const fromFiles = loadClusterCredentials({ kubeconfig: files }, {});
  assert.deepEqual([fromFiles.cert, fromFiles.key, fromFiles.insecureSkipTLSVerify], [CERT, KEY, undefined]);
  const halfOfIt = await kubeconfig({
    clusters: [cluster('c', { server: 'https://k' })],
    users: [user('u', { 'client-certificate-data': b64(CERT) })],
    contexts: [context('ctx', 'c', 'u')],
    'current-context': 'ctx',
  });
  assert.throws(() => loadClusterCredentials({ kubeconfig: halfOfIt }, {}), invalid(/user "u" has a client certificate without a key/));
});

test('kubeconfig: the context asked for wins over current-context; a context that is not there is an error', async () => {
  const path = await kubeconfig({
    clusters: [cluster('staging', { server: 'https://staging:6443' }), cluster('prod', { server: 'https://prod:6443' })],
    users: [user('ci', { token: 'ci-token' }), user('admin', { token: 'admin-token' })],
    contexts: [context('staging', 'staging', 'ci'), context('prod', 'prod', 'admin')],
    'current-context': 'staging',
  });
  const byDefault = loadClusterCredentials({ kubeconfig: path }, {});
  assert.deepEqual([byDefault.server, byDefault.token], ['https://staging:6443', 'ci-token']);
  const chosen = loadClusterCredentials({ kubeconfig: path, context: 'prod' }, {});
  assert.deepEqual([chosen.server, chosen.token, chosen.id], ['https://prod:6443', 'admin-token', `${path}#prod`]);
  assert.throws(() => loadClusterCredentials({ kubeconfig: path, context: 'dev' }, {}), invalid(/no context named "dev"/));
});

test('kubeconfig: no current-context, a missing cluster, user or server, a missing file are errors', async () => {
  const noCurrent = await kubeconfig({ clusters: [cluster('c', { server: 'https://k' })], contexts: [context('ctx', 'c', '')] });
  assert.throws(() => loadClusterCredentials({ kubeconfig: noCurrent }, {}), invalid(/no current-context/));
  const noCluster = await kubeconfig({ contexts: [context('ctx', 'gone', '')], 'current-context': 'ctx' });
  assert.throws(() => loadClusterCredentials({ kubeconfig: noCluster }, {}), invalid(/no cluster named "gone"/));
  const noUser = await kubeconfig({ clusters: [cluster('c', { server: 'https://k' })], contexts: [context('ctx', 'c', 'nobody')], 'current-context': 'ctx' });
  assert.throws(() => loadClusterCredentials({ kubeconfig: noUser }, {}), invalid(/no user named "nobody"/));
  const noServer = await kubeconfig({ clusters: [cluster('c', {})], contexts: [context('ctx', 'c', '')], 'current-context': 'ctx' });
  assert.throws(() => loadClusterCredentials({ kubeconfig: noServer }, {}), invalid(/cluster "c" has no server/));
  const absent = join(dir, 'nothing-here', 'config');
  assert.throws(() => loadClusterCredentials({ kubeconfig: absent }, {}), (error: unknown) => invalid(/cannot read kubeconfig/)(error) && isTrueupError(error) && error.location.file === absent);
});

test('kubeconfig: an exec plugin is read with its args, env, install hint and the cluster it is told about', async () => {
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['eks', 'get-token', '--cluster-name', 'prod'],
    env: [{ name: 'AWS_PROFILE', value: 'deploy' }],
    installHint: 'install the AWS CLI',
    provideClusterInfo: true,
  };
  const path = await kubeconfig({ clusters: [cluster('c', { server: 'https://k', 'certificate-authority-data': b64(CA) })], users: [user('cloud', { exec })], contexts: [context('ctx', 'c', 'cloud')], 'current-context': 'ctx' });
  const credentials = loadClusterCredentials({ kubeconfig: path }, {});
  assert.deepEqual(credentials.exec, {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['eks', 'get-token', '--cluster-name', 'prod'],
    env: { AWS_PROFILE: 'deploy' },
    installHint: 'install the AWS CLI',
    baseDir: join(path, '..'),
    cluster: { server: 'https://k', 'certificate-authority-data': b64(CA) },
  });
  assert.equal(credentials.token, undefined);
});

test('kubeconfig: an exec plugin without command or apiVersion, with bad env or an interactive prompt, and auth-provider plugins are refused', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ exec: { apiVersion: 'client.authentication.k8s.io/v1' } }, /user "cloud" exec: command is required/],
    [{ exec: { command: 'aws' } }, /user "cloud" exec: apiVersion is required/],
    [{ exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'aws' } }, /apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported/],
    [{ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', env: [{ name: 'A' }] } }, /every env entry needs a name and a string value/],
    [{ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubelogin', interactiveMode: 'Always' } }, /interactiveMode is Always/],
    [{ 'auth-provider': { name: 'oidc', config: {} } }, /user "cloud" uses an auth-provider plugin, which Kubernetes no longer supports/],
  ];
  for (const [fields, pattern] of cases) {
    const path = await kubeconfig({ clusters: [cluster('c', { server: 'https://k' })], users: [user('cloud', fields)], contexts: [context('ctx', 'c', 'cloud')], 'current-context': 'ctx' });
    assert.throws(() => loadClusterCredentials({ kubeconfig: path }, {}), invalid(pattern));
  }
});

test('kubeconfig: a relative kubeconfig resolves against baseDir (the Application file’s folder)', async () => {
  const path = await kubeconfig({ clusters: [cluster('c', { server: 'https://k' })], contexts: [context('ctx', 'c', '')], 'current-context': 'ctx' });
  const credentials = loadClusterCredentials({ kubeconfig: 'config', baseDir: join(path, '..') }, {});
  assert.equal(credentials.server, 'https://k');
  assert.equal(credentials.id, `${path}#ctx`);
});

test('kubeconfig: $KUBECONFIG (its first file), else ~/.kube/config, else an error', async () => {
  const first = await kubeconfig({ clusters: [cluster('c', { server: 'https://first' })], contexts: [context('ctx', 'c', '')], 'current-context': 'ctx' });
  const second = await kubeconfig({ clusters: [cluster('c', { server: 'https://second' })], contexts: [context('ctx', 'c', '')], 'current-context': 'ctx' });
  assert.equal(loadClusterCredentials({}, { KUBECONFIG: `:${first}:${second}` }).server, 'https://first');
  const home = await mkdtemp(join(dir, 'home-'));
  await mkdir(join(home, '.kube'));
  await writeFile(join(home, '.kube', 'config'), JSON.stringify({ clusters: [cluster('c', { server: 'https://home' })], contexts: [context('ctx', 'c', '')], 'current-context': 'ctx' }));
  assert.equal(loadClusterCredentials({}, { HOME: home }).server, 'https://home');
  assert.equal(loadClusterCredentials({ context: 'ctx' }, { HOME: home, KUBECONFIG: second }).server, 'https://second');
  assert.throws(() => loadClusterCredentials({}, {}), invalid(/no kubeconfig/));
});

test('kubeconfig: in a pod, the service account’s CA and token file; a kubeconfig named still wins', async () => {
  const serviceAccount = await mkdtemp(join(dir, 'sa-'));
  await writeFile(join(serviceAccount, 'ca.crt'), CA);
  await writeFile(join(serviceAccount, 'token'), 'projected-token');
  const pod = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBECONFIG: '/nonexistent/config' };
  assert.deepEqual(loadClusterCredentials({}, pod, serviceAccount), {
    server: 'https://10.96.0.1:443',
    ca: CA,
    tokenFile: join(serviceAccount, 'token'),
    id: 'in-cluster:https://10.96.0.1:443',
  });
  assert.equal(loadClusterCredentials({}, { ...pod, KUBERNETES_SERVICE_HOST: 'fd00::1' }, serviceAccount).server, 'https://[fd00::1]:443');
  const path = await kubeconfig({ clusters: [cluster('c', { server: 'https://outside' })], contexts: [context('ctx', 'c', '')], 'current-context': 'ctx' });
  assert.equal(loadClusterCredentials({ kubeconfig: path }, pod, serviceAccount).server, 'https://outside');
  assert.throws(() => loadClusterCredentials({}, pod, join(dir, 'no-service-account')), invalid(/in-cluster CA/));
});
