import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError, type DriftSignal, type LiveObject, type Provider } from '@trueup/api';
import { groupAlive, isSameProcess, readProcStat } from './proc-stat.ts';
import { apply, freePort, hostObject, killGroups, NODE, observe, sandbox, sleep, waitFor, type Sandbox } from './testing.ts';

/** Runs a test body with a sandbox; kills every process group any observed service had. */
async function withServices(body: (box: Sandbox, track: (live: LiveObject) => LiveObject) => Promise<void>): Promise<void> {
  const box = await sandbox();
  const pids = new Set<number>();
  const track = (live: LiveObject): LiveObject => {
    if (typeof live.status?.pid === 'number') pids.add(live.status.pid);
    return live;
  };
  try {
    await body(box, track);
  } finally {
    killGroups(pids);
    await box.cleanup();
  }
}

const httpServer = (port: number): string[] => [NODE, '-e', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`];
const idle = [NODE, '-e', 'setInterval(() => {}, 1000)'];

async function observeUntil(provider: Provider, desired: ReturnType<typeof hostObject>, ok: (live: LiveObject) => boolean, what: string, timeoutMs = 8000): Promise<LiveObject> {
  return waitFor(async () => {
    const live = await observe(provider, desired);
    return ok(live) ? live : undefined;
  }, timeoutMs, what);
}

test('Service: starts detached, logs to the state directory, passes an http health check', async () => {
  await withServices(async (box, track) => {
    const port = await freePort();
    const web = hostObject('Service', 'web', { command: httpServer(port), healthCheck: { http: { port, path: '/' }, interval: '200ms' } });
    const started = track(await apply(box.provider, web));
    assert.equal(started.status?.running, true);
    assert.deepEqual(started.manifest?.spec, web.manifest.spec, 'live spec is the spec it was started with');
    const pid = started.status?.pid as number;
    const stat = await readProcStat(pid);
    assert.equal(stat?.pgrp, pid, 'its own process group');
    const healthy = await observeUntil(box.provider, web, (live) => live.status?.healthy === true, 'healthy');
    assert.equal(healthy.status?.phase, 'running');
    assert.equal(healthy.status?.pid, pid);
    const record = JSON.parse(await readFile(join(box.stateDir, 'host/app/services/web.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(record.pid, pid);
    assert.equal(record.startTime, stat?.startTime);
  });
});

test('Service: tcp and exec health checks; a failing check after the start period reads unhealthy', async () => {
  await withServices(async (box, track) => {
    const port = await freePort();
    const tcp = hostObject('Service', 'tcp', { command: [NODE, '-e', `require('net').createServer((c) => c.end()).listen(${port}, '127.0.0.1')`], healthCheck: { tcp: { port }, interval: '200ms' } });
    track(await apply(box.provider, tcp));
    await observeUntil(box.provider, tcp, (live) => live.status?.healthy === true, 'tcp healthy');
    const exec = hostObject('Service', 'exec', { command: idle, healthCheck: { exec: { command: 'test -e "$TRUEUP_ROOT/ready"' }, interval: '100ms', startPeriod: '300ms' } });
    const starting = track(await apply(box.provider, exec));
    assert.equal(starting.status?.phase, 'starting');
    const failing = await observeUntil(box.provider, exec, (live) => live.status?.healthy === false && live.status.inStartPeriod === false, 'exec unhealthy after start period');
    assert.equal(failing.status?.phase, 'running');
    await writeFile(join(box.root, 'ready'), '');
    await observeUntil(box.provider, exec, (live) => live.status?.healthy === true, 'exec healthy');
  });
});

test('Service: a crash restarts it with growing backoff and signals process-exit', async () => {
  await withServices(async (box, track) => {
    const signals: DriftSignal[] = [];
    const watch = box.provider.watch((signal) => signals.push(signal));
    const crashy = hostObject('Service', 'crashy', { command: [NODE, '-e', 'setTimeout(() => process.exit(3), 50)'], backoff: { duration: '100ms', factor: 2, maxDuration: '1s' } });
    track(await apply(box.provider, crashy));
    const live = await observeUntil(box.provider, crashy, (l) => (l.status?.restarts as number) >= 3, 'three restarts');
    track(live);
    assert.equal(live.status?.lastExitCode, 3);
    assert.ok(live.manifest !== undefined);
    assert.ok(signals.filter((s) => s.source === 'process-exit' && s.key.name === 'crashy').length >= 3);
    await waitFor(async () => {
      const l = track(await observe(box.provider, crashy));
      return l.status?.phase === 'backoff' ? l : undefined;
    }, 5000, 'backoff phase');
    const message = (await observe(box.provider, crashy)).status?.message;
    assert.ok(typeof message === 'string');
    await watch.close();
    await box.provider.delete(await observe(box.provider, crashy));
  });
});

test('Service: restart never and on-failure leave an exited service stopped or failed, still observed', async () => {
  await withServices(async (box, track) => {
    const once = hostObject('Service', 'once', { command: [NODE, '-e', 'process.exit(0)'], restart: 'never' });
    track(await apply(box.provider, once));
    const stopped = await observeUntil(box.provider, once, (l) => l.status?.phase === 'stopped', 'stopped');
    assert.equal(stopped.status?.running, false);
    assert.deepEqual(stopped.manifest?.spec, once.manifest.spec, 'a manifest, so prune can remove it');
    const broken = hostObject('Service', 'broken', { command: [NODE, '-e', 'process.exit(4)'], restart: 'never' });
    track(await apply(box.provider, broken));
    const failed = await observeUntil(box.provider, broken, (l) => l.status?.phase === 'failed', 'failed');
    assert.equal(failed.status?.lastExitCode, 4);
    assert.equal(failed.status?.restarts, 0);
    const clean = hostObject('Service', 'clean', { command: [NODE, '-e', 'process.exit(0)'], restart: 'on-failure' });
    track(await apply(box.provider, clean));
    await observeUntil(box.provider, clean, (l) => l.status?.phase === 'stopped', 'on-failure after exit 0');
    await box.provider.delete(failed);
    assert.equal((await observe(box.provider, broken)).manifest, undefined);
  });
});

test('Service: delete stops with stopSignal, then SIGKILL after stopTimeout; the whole group goes', async () => {
  await withServices(async (box, track) => {
    const marker = join(box.root, 'got-sigint');
    const graceful = hostObject('Service', 'graceful', { command: [NODE, '-e', `process.on('SIGINT', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'bye'); process.exit(0); }); setInterval(() => {}, 1000)`], stopSignal: 'SIGINT' });
    const live = track(await apply(box.provider, graceful));
    await sleep(300); // let node install its handler
    await box.provider.delete(live);
    assert.equal(await readFile(marker, 'utf8'), 'bye');
    assert.equal(await isSameProcess(live.status?.pid as number, (await readProcStat(live.status?.pid as number))?.startTime ?? -1), false);

    const stubborn = hostObject('Service', 'stubborn', { command: 'trap "" TERM; sleep 1000 & wait; wait', stopTimeout: '300ms' });
    const running = track(await apply(box.provider, stubborn));
    await sleep(100);
    const before = Date.now();
    await box.provider.delete(running);
    const took = Date.now() - before;
    assert.ok(took >= 250, `waited stopTimeout before SIGKILL (${took}ms)`);
    assert.equal(await groupAlive(running.status?.pid as number), false, 'no live process left in the group');
    assert.equal((await observe(box.provider, stubborn)).manifest, undefined);
  });
});

test('Service: a changed spec restarts it; reason trigger restarts it; a spawn failure is reported', async () => {
  await withServices(async (box, track) => {
    const svc = hostObject('Service', 'svc', { command: idle, env: { VERSION: '1' } });
    const first = track(await apply(box.provider, svc));
    const same = track(await apply(box.provider, svc, 'update'));
    assert.equal(same.status?.pid, first.status?.pid, 'same spec: not restarted');
    const changed = hostObject('Service', 'svc', { command: idle, env: { VERSION: '2' } });
    assert.notDeepEqual((await observe(box.provider, changed)).manifest?.spec, changed.manifest.spec, 'the change shows as a diff');
    const second = track(await apply(box.provider, changed));
    assert.notEqual(second.status?.pid, first.status?.pid);
    assert.deepEqual(second.manifest?.spec, changed.manifest.spec);
    const third = track(await apply(box.provider, changed, 'trigger'));
    assert.notEqual(third.status?.pid, second.status?.pid);
    const missing = hostObject('Service', 'missing', { command: ['/nonexistent/daemon'] });
    await assert.rejects(apply(box.provider, missing), (error) => isTrueupError(error, 'HOST_SERVICE_START_FAILED'));
    assert.equal((await observe(box.provider, missing)).manifest, undefined);
  });
});

test('Service: a new provider adopts the running process (same pid, not restarted), notices its exit, deletes it', async () => {
  await withServices(async (box, track) => {
    const port = await freePort();
    const web = hostObject('Service', 'web', { command: httpServer(port), healthCheck: { http: { port }, interval: '200ms' }, backoff: { duration: '100ms', factor: 2, maxDuration: '1s' } });
    const started = track(await apply(box.provider, web));
    const pid = started.status?.pid as number;
    await box.provider.close();

    const agentB = box.reopen();
    const signals: DriftSignal[] = [];
    const watch = agentB.watch((signal) => signals.push(signal));
    const adopted = track(await observe(agentB, web));
    assert.equal(adopted.status?.pid, pid);
    assert.equal(adopted.status?.running, true);
    assert.equal(adopted.status?.restarts, 0);
    assert.deepEqual(adopted.manifest?.spec, web.manifest.spec);
    await observeUntil(agentB, web, (l) => l.status?.healthy === true, 'adopted healthy');
    const again = track(await apply(agentB, web, 'update'));
    assert.equal(again.status?.pid, pid, 'applying the same spec keeps the adopted process');

    process.kill(pid, 'SIGKILL');
    const restarted = track(await observeUntil(agentB, web, (l) => l.status?.running === true && l.status.pid !== pid, 'restart after the adopted process died'));
    assert.equal(restarted.status?.restarts, 1);
    assert.ok(signals.some((s) => s.source === 'process-exit' && s.key.name === 'web'));
    await watch.close();

    await agentB.delete(restarted);
    assert.equal(await isSameProcess(restarted.status?.pid as number, (await readProcStat(restarted.status?.pid as number))?.startTime ?? -1), false);
    const agentC = box.reopen();
    assert.equal((await observe(agentC, web)).manifest, undefined, 'the record is gone');
  });
});

test('Service: a record whose process died while no agent ran is restarted by policy', async () => {
  await withServices(async (box, track) => {
    const svc = hostObject('Service', 'svc', { command: idle, backoff: { duration: '100ms', factor: 2, maxDuration: '1s' } });
    const first = track(await apply(box.provider, svc));
    await box.provider.close();
    process.kill(-(first.status?.pid as number), 'SIGKILL');
    await waitFor(() => !isSameProcessSync(first.status?.pid as number) || undefined, 5000, 'process gone');
    const agentB = box.reopen();
    const live = track(await observeUntil(agentB, svc, (l) => l.status?.running === true, 'restarted'));
    assert.notEqual(live.status?.pid, first.status?.pid);
  });
});

function isSameProcessSync(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('Service: stopAll stops every supervised process and forgets it', async () => {
  await withServices(async (box, track) => {
    const a = track(await apply(box.provider, hostObject('Service', 'a', { command: idle })));
    const b = track(await apply(box.provider, hostObject('Service', 'b', { command: 'sleep 1000' })));
    await box.provider.stopAll?.();
    for (const live of [a, b]) assert.equal(await groupAlive(live.status?.pid as number), false);
    const fresh = box.reopen();
    assert.equal((await observe(fresh, hostObject('Service', 'a', { command: idle }))).manifest, undefined);
  });
});
