// A job run in another process, with only JSON crossing: the spec in on stdin, the events out as
// JSON lines on stdout — the contract a runner joined to the hub keeps over the link.
import { text } from 'node:stream/consumers';
import { LocalArtifactStore, LocalRepoSource, runJob } from '@trueup/runner';

const assignment = JSON.parse(await text(process.stdin));
await runJob(assignment.spec, {
  workRoot: assignment.workRoot,
  checkout: new LocalRepoSource(assignment.repoDir, assignment.sha),
  artifacts: new LocalArtifactStore(assignment.artifactsDir),
}, (event) => process.stdout.write(`${JSON.stringify(event)}\n`));
