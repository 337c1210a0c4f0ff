import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordRun, stepOutcomes, workflowRepo } from './testing.ts';

test('local actions: a missing one, a missing required input and an invalid action.yml fail their step clearly', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - id: missing
        continue-on-error: true
        uses: ./nowhere
      - id: noinput
        continue-on-error: true
        uses: ./actions/needs-input
      - id: invalid
        continue-on-error: true
        uses: ./actions/invalid
      - id: fails
        continue-on-error: true
        uses: ./actions/fails
      - run: |
          test -n "\${{ hashFiles('actions/**/action.yml') }}"
          test -z "\${{ hashFiles('no/such/**') }}"
`, {
    'actions/needs-input/action.yml': 'name: x\ndescription: d\ninputs:\n  who: { description: w, required: true }\nruns:\n  using: composite\n  steps: [{ run: "echo hi", shell: bash }]\n',
    'actions/invalid/action.yml': 'name: x\ndescription: d\nruns:\n  using: docker\n  image: alpine\n',
    'actions/fails/action.yml': 'name: x\ndescription: d\nruns:\n  using: composite\n  steps:\n    - { run: "echo inner step; exit 4", shell: bash }\n    - { run: "echo never", shell: bash }\n',
  });
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const log = recorded.logs.get('a') ?? '';
  assert.equal(recorded.run.result.conclusion, 'success', log);
  const steps = recorded.run.result.jobs[0]?.result?.steps ?? [];
  assert.deepEqual(steps.map((s) => `${s.id}:${s.outcome}`), ['__1:success', 'missing:failure', 'noinput:failure', 'invalid:failure', 'fails:failure', '__6:success']);
  assert.match(log, /no action\.yml in \.\/nowhere/);
  assert.match(log, /input "who" is required/);
  assert.match(log, /\.\/actions\/invalid\/action\.yml:4:10: runs\.using "docker" cannot run here/);
  assert.match(log, /inner step/);
  assert.doesNotMatch(log, /never/);
  assert.deepEqual(stepOutcomes(recorded, 'a').length, 6);
});

test('a Node.js action\'s post step runs at the end of the job, with the state its main step saved, also after a failure', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - uses: ./actions/with-post
        with: { label: first }
      - id: pre
        continue-on-error: true
        uses: ./actions/with-pre
      - run: exit 1
`, {
    'actions/with-post/action.yml': 'name: x\ndescription: d\ninputs:\n  label: { description: l }\nruns:\n  using: node24\n  main: main.mjs\n  post: post.mjs\n',
    'actions/with-post/main.mjs': "import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.GITHUB_STATE, `started=${process.env.INPUT_LABEL}\\n`);\nconsole.log('main ran');\n",
    'actions/with-post/post.mjs': "console.log(`post saw ${process.env.STATE_started} for ${process.env.INPUT_LABEL}`);\n",
    'actions/with-pre/action.yml': 'name: x\ndescription: d\nruns:\n  using: node24\n  pre: pre.mjs\n  main: main.mjs\n',
  });
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const log = recorded.logs.get('a') ?? '';
  assert.equal(recorded.run.result.conclusion, 'failure');
  assert.deepEqual(stepOutcomes(recorded, 'a'), ['__1:success', '__2:success', 'pre:success', '__4:failure', '__post1:success']);
  assert.match(log, /main ran[\s\S]*post saw first for first/);
  assert.match(log, /\.\/actions\/with-pre\/action\.yml:5:8: runs\.pre cannot run for a local action/);
  const started = recorded.events.filter((e) => e.event.type === 'step-started').map((e) => (e.event.type === 'step-started' ? e.event.name : ''));
  assert.equal(started.at(-1), 'Post ./actions/with-post');
});
