/**
 * `trueup demo`: an example config repository served over real Git smart HTTP on loopback, a
 * hub (SQLite, HTTPS with its own CA), and an agent joined to it converging a demo root from the
 * repository; with the Kubernetes test env built, a second environment too: its control plane
 * and an agent applying the repository's `kube/` folder there. Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent } from '@trueup/agent';
import { HubClient, startHub } from '@trueup/hub';
import { createServedRepo, createWorkRepo, startGitHttpServer } from '@trueup/testkit';
import type { Command } from '../command.ts';
import { demoKubeFiles, startDemoKubernetes, type DemoKubernetesStart } from '../demo/kubernetes.ts';
import { demoApplication, demoRepositoryFiles } from '../demo/template.ts';
import { logEvent } from '../event-log.ts';
import { paint } from '../output.ts';

export const demoCommand: Command = {
  name: 'demo',
  usage: 'trueup demo [--dir .trueup-demo]',
  summary: 'Run a Git server, an example config repository, a hub and an agent joined to it, on embedded defaults.',
  options: { dir: { type: 'string', default: '.trueup-demo' } },
  async run({ values }) {
    const dir = resolve(String(values.dir));
    await rm(dir, { recursive: true, force: true });
    const paths = { repos: join(dir, 'repos'), work: join(dir, 'work'), root: join(dir, 'root'), state: join(dir, 'state'), secrets: join(dir, 'secrets'), hub: join(dir, 'hub') };
    const password = randomBytes(18).toString('base64url');
    await mkdir(paths.secrets, { recursive: true, mode: 0o700 });
    await writeFile(join(paths.secrets, 'git-password'), `${password}\n`, { mode: 0o600 });

    const server = await startGitHttpServer({ root: paths.repos, username: 'demo', password });
    const bare = await createServedRepo(paths.repos, 'config.git');
    const repoURL = server.url('config.git');
    const work = await createWorkRepo(paths.work);
    const port = await freePort();
    await work.write({ ...demoRepositoryFiles(port), ...demoKubeFiles() });
    await work.commit('Add the demo web service');
    await configureWorkingCopy((...args) => work.git(...args), repoURL, password);
    await work.git('push', '--quiet', 'origin', 'main');
    await writeFile(join(dir, 'app.yaml'), demoApplication(repoURL, paths.root));

    const hub = await startHub({ dataDir: paths.hub, listen: '127.0.0.1:0', log: () => undefined });
    const admin = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });
    const joinToken = join(paths.secrets, 'join-token');
    await writeFile(joinToken, `${(await admin.post<{ token: string }>('/api/v1/join-tokens', { name: 'demo-host', labels: { demo: 'true' }, ttl: '10m' })).token}\n`, { mode: 0o600 });
    const agent = await startAgent({ stateDir: paths.state, paths: [join(dir, 'app.yaml')], listen: '127.0.0.1:0', onEvent: (event) => logEvent(event, true), hub: { joinTokenFile: joinToken } });
    const kube = await startDemoKubernetes({ dir, repoURL, secretsDir: paths.secrets, admin, onEvent: (event) => logEvent(event, true) });
    const kubeStateDir = 'started' in kube ? kube.started.stateDir : undefined;
    await installRefreshHook(bare, [{ stateDir: paths.state, application: 'demo' }, ...(kubeStateDir === undefined ? [] : [{ stateDir: kubeStateDir, application: 'demo-kube' }])]);
    await agent.refresh('demo');
    process.stdout.write(instructions({ paths, agentUrl: agent.url ?? '', repoURL, webUrl: `http://127.0.0.1:${port}/`, hub: hub.info, kube }));

    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    process.stdout.write(`\nStopping the agent${'started' in kube ? 's, the Kubernetes test env' : ''}, the web service, the hub and the Git server…\n`);
    if ('started' in kube) await kube.started.stop();
    await agent.stop({ stopServices: true });
    await hub.stop();
    await server.close();
    return 0;
  },
};

async function configureWorkingCopy(git: (...args: string[]) => Promise<string>, repoURL: string, password: string): Promise<void> {
  await git('remote', 'add', 'origin', repoURL);
  await git('config', 'http.extraHeader', `Authorization: Basic ${Buffer.from(`demo:${password}`).toString('base64')}`);
  await git('config', 'user.name', 'Demo User');
  await git('config', 'user.email', 'demo@trueup.invalid');
  await git('branch', '--set-upstream-to=origin/main', 'main').catch(() => git('push', '--quiet', '-u', 'origin', 'main'));
}

/** A post-receive hook asks each agent for a pass right after each push: `trueup refresh`, which reads the agent's URL and token from its state dir. */
async function installRefreshHook(bare: string, agents: readonly { stateDir: string; application: string }[]): Promise<void> {
  const hook = join(bare, 'hooks', 'post-receive');
  const trueup = fileURLToPath(new URL('../main.js', import.meta.url));
  const lines = agents.map(({ stateDir, application }) => [process.execPath, trueup, 'refresh', application, '--state-dir', stateDir, '--no-wait'].map(shellQuote).join(' '));
  await writeFile(hook, `#!/bin/sh\n${lines.map((line) => `${line} >/dev/null 2>&1`).join('\n')}\n`);
  await chmod(hook, 0o755);
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

function instructions(o: { paths: { work: string; root: string; state: string; hub: string }; agentUrl: string; repoURL: string; webUrl: string; hub: { url: string; caCertFile: string; adminTokenFile: string }; kube: DemoKubernetesStart }): string {
  const rel = (path: string): string => relative(process.cwd(), path) || '.';
  const cmd = (text: string): string => paint(text, 'green');
  return `
${paint('Trueup demo is running.', 'green')} An agent keeps ${rel(o.paths.root)} converged to ${o.repoURL} (path hosts/web).

  config repository (working copy)  ${rel(o.paths.work)}
  managed root                      ${rel(o.paths.root)}
  web service                       ${o.webUrl}
  agent API                         ${o.agentUrl}/api/v1/applications (token in ${rel(join(o.paths.state, 'api-token'))})
${'started' in o.kube ? `  Kubernetes (agent demo-kube)      KUBECONFIG=${rel(o.kube.started.kubeconfig)}, namespace demo (path kube)\n` : `  Kubernetes                        ${o.kube.missing}\n`}  hub (the agents are joined to it) ${o.hub.url}/api/v1/applications
    CA and admin token              ${rel(o.hub.caCertFile)}, ${rel(o.hub.adminTokenFile)}
  ${paint('web UI', 'green')}                            ${o.hub.url}/  (sign in with the admin token; the browser will ask you to accept the hub's own CA)

Try:
  0. Open the web UI at ${o.hub.url}/ and sign in with the token in ${rel(o.hub.adminTokenFile)}: watch step 1's drift heal live, sync from the application's page.
  1. Tamper with a managed file and watch it heal:
       ${cmd(`echo tampered >> ${rel(join(o.paths.root, 'srv/web/index.html'))}`)}
  2. Commit a change and watch it apply (a post-receive hook refreshes the agent):
       ${cmd(`cd ${rel(o.paths.work)} && sed -i 's/Hello from Trueup/Hello again/' files/web/config.json && git commit -qam 'New greeting' && git push -q; cd -`)}
  3. Look at the application:
       ${cmd(`npx trueup status --state-dir ${rel(o.paths.state)} demo`)}
       ${cmd(`npx trueup history demo --state-dir ${rel(o.paths.state)}`)}
       ${cmd(`curl -s -H "Authorization: Bearer $(cat ${rel(join(o.paths.state, 'api-token'))})" ${o.agentUrl}/api/v1/applications`)}
  4. Ask the hub, which sees every joined environment:
       ${cmd(`npx trueup status --hub ${o.hub.url} --ca-file ${rel(o.hub.caCertFile)} --token-file ${rel(o.hub.adminTokenFile)}`)}
       ${cmd(`npx trueup hub agents list --data-dir ${rel(o.paths.hub)}`)}

Ctrl-C stops everything.
`;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
