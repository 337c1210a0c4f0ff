/**
 * `trueup runner`: a runner joined to a hub. It dials out (one TLS WebSocket, no listening
 * port), takes the jobs the hub offers that fit its labels and capacity, runs each with the
 * executor `trueup run` uses, in a fresh folder under the work dir, and streams events back.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { RunnerLabelsSchema, type JobSpec } from '@trueup/api';
import { joinRunner, RunnerLinkClient } from '@trueup/link';
import { HubArtifactStore, hubJobSteps, RemoteRepoSource, reapOrphans, runJob } from '@trueup/runner';
import { agentApplicationDeployer } from '../application-deployer.ts';
import type { Command } from '../command.ts';
import { hubClient, hubClientOptions } from '../hub-target.ts';

export const runnerCommand: Command = {
  name: 'runner',
  usage: 'trueup runner [--join TOKEN_FILE] [--labels a,b] [--work-dir D] [--capacity N] [--name NAME] | trueup runner token create [--ttl 1h] [--hub URL | --data-dir D]',
  summary: 'Run jobs a hub offers: dial out to the hub with a runner token, take jobs matching the labels.',
  options: { ...hubClientOptions, ttl: { type: 'string', default: '1h' }, join: { type: 'string' }, labels: { type: 'string' }, 'work-dir': { type: 'string' }, capacity: { type: 'string' }, name: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length > 0) {
      if (positionals[0] !== 'token' || positionals[1] !== 'create' || positionals.length > 2) throw new Error(`unknown arguments "${positionals.join(' ')}": trueup runner token create`);
      const client = await hubClient(values);
      if (client === undefined) throw new Error('name the hub: --hub URL (with TRUEUP_TOKEN) or --data-dir D');
      const made = await client.post<{ token: string; expiresAt: string }>('/api/v1/runner-tokens', { ttl: values.ttl });
      process.stdout.write(`${made.token}\n`);
      process.stderr.write(`one-time runner token, valid until ${made.expiresAt}: save it to a file and start \`trueup runner --join FILE\`\n`);
      return 0;
    }
    const workDir = resolve(typeof values['work-dir'] === 'string' ? values['work-dir'] : 'trueup-runner');
    const capacity = Number(values.capacity ?? '1');
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 64) throw new Error(`--capacity must be a whole number from 1 to 64, not "${String(values.capacity)}"`);
    const labelText = typeof values.labels === 'string' ? values.labels : '';
    const parsedLabels = RunnerLabelsSchema.safeParse(labelText === '' ? [] : labelText.split(',').map((label) => label.trim()));
    if (!parsedLabels.success) throw new Error(`--labels: each label is letters, digits, '.', '_' or '-' (at most 32 labels): "${labelText}"`);
    const labels = parsedLabels.data;
    const name = typeof values.name === 'string' ? values.name : hostname();
    const credential = await joinRunner(workDir, typeof values.join === 'string' ? values.join : undefined, name);
    const hub = { hubUrl: credential.hubUrl, ca: credential.ca, credential: credential.credential };
    const reaped = await reapOrphans();
    if (reaped > 0) process.stderr.write(`trueup runner: killed ${reaped} process(es) left by a runner that was killed\n`);
    const client = new RunnerLinkClient({
      hubUrl: credential.hubUrl, ca: credential.ca, credential: credential.credential, version: '0.1.0', labels, capacity,
      runJob: async (offer, handle) => {
        const spec = offer.spec as unknown as JobSpec;
        process.stderr.write(`trueup runner: job ${spec.name} of run ${spec.runId}\n`);
        return runJob(spec, {
          workRoot: join(workDir, 'jobs'),
          checkout: new RemoteRepoSource(offer.repository.url, offer.repository.sha, offer.repository.credentials),
          artifacts: new HubArtifactStore(hub, spec.runId, offer.job.slice(spec.runId.length + 1)),
          applications: agentApplicationDeployer,
          handoff: hubJobSteps(hub, spec.runId, offer.job.slice(spec.runId.length + 1)),
          signal: handle.signal,
        }, (event) => handle.emit(event));
      },
      onState: (state) => {
        if (state.state === 'linked') process.stderr.write(`trueup runner: linked to ${credential.hubUrl} as ${name} (labels: ${['self-hosted', ...labels].join(', ')}; capacity ${capacity})\n`);
        if (state.state === 'disconnected') process.stderr.write(`trueup runner: hub link down (${state.code}: ${state.reason}); retrying in ${Math.round(state.retryInMs / 100) / 10} s\n`);
      },
    });
    client.start();
    await new Promise<void>((done) => {
      process.once('SIGTERM', done);
      process.once('SIGINT', done);
    });
    process.stderr.write('trueup runner: stopping; running jobs are cancelled\n');
    await client.stop();
    return 0;
  },
};
