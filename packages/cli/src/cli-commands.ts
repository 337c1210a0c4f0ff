/** The commands of `trueup`, by name. */
import type { Command } from './command.ts';

/** Each command's module loads only when it runs: `trueup agent` never loads the demo's Git server. */
export const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'agent', summary: 'Run the pull agent for the Application files or folders given, until SIGTERM.', load: async () => (await import('./commands/agent.ts')).agentCommand },
  { name: 'diff', summary: 'Show what a sync would change, as a unified diff. Exit 0 in sync, 1 differs, 2 error.', load: async () => (await import('./commands/diff-sync.ts')).diffCommand },
  { name: 'sync', summary: 'Run one reconcile pass now and wait while it is Progressing. Exit 0 when synced and healthy.', load: async () => (await import('./commands/diff-sync.ts')).syncCommand },
  { name: 'status', summary: 'Show applications with revision, sync, health and conditions.', load: async () => (await import('./commands/status.ts')).statusCommand },
  { name: 'history', summary: 'Show past syncs (revision, time, result, changes) and drift events.', load: async () => (await import('./commands/history.ts')).historyCommand },
  { name: 'refresh', summary: 'Start a pass of the running agent now (e.g. from a Git post-receive hook).', load: async () => (await import('./commands/refresh.ts')).refreshCommand },
  { name: 'pause', summary: 'Pause self-heal of an application (or one object of it) through a hub: drift is reported, not healed, until resumed.', load: async () => (await import('./commands/pause.ts')).pauseCommand },
  { name: 'resume', summary: 'Resume self-heal of an application (or one object of it) through a hub: what drifted meanwhile heals at once.', load: async () => (await import('./commands/pause.ts')).resumeCommand },
  { name: 'adopt', summary: 'Adopt a hand fix of one object into Git: pause its self-heal, commit its live values into the file it came from on a branch; self-heal resumes once the tracked branch holds them and the agent applied it.', load: async () => (await import('./commands/adopt.ts')).adoptCommand },
  { name: 'run', summary: 'Run a workflow of the current checkout here, with the runner\'s own executor and no hub.', load: async () => (await import('./commands/run.ts')).runCommand },
  { name: 'gitops', summary: 'Set one value in a YAML file of a config repository as one commit (gitops set), keeping every other byte; wait for an agent to report a revision Healthy (gitops wait).', load: async () => (await import('./commands/gitops.ts')).gitopsCommand },
  { name: 'runner', summary: 'Run jobs a hub offers: dial out to the hub with a runner token, take jobs matching the labels.', load: async () => (await import('./commands/runner.ts')).runnerCommand },
  { name: 'runs', summary: 'Pipeline runs on a hub: list, show, follow logs, cancel, dispatch a workflow.', load: async () => (await import('./commands/runs.ts')).runsCommand },
  { name: 'release', summary: 'Releases on a hub: list, show where a release runs and how it got there, create, approve, hold or unhold a stage.', load: async () => (await import('./commands/release.ts')).releaseCommand },
  { name: 'promote', summary: 'Promote a release to a stage now, by hand; an older release than the stage runs is a rollback, and holds the stage.', load: async () => (await import('./commands/release.ts')).promoteCommand },
  { name: 'rollback', summary: 'Deploy an earlier revision of an environment again through the job that deployed it (recorded with who), or --list its deployments.', load: async () => (await import('./commands/rollback.ts')).rollbackCommand },
  { name: 'hub', summary: 'Run the hub (HTTPS API and agent links), or manage its join tokens and agents.', load: async () => (await import('./commands/hub.ts')).hubCommand },
  { name: 'login', summary: 'Log in to a hub (password or OpenID Connect) and save a token for later commands.', load: async () => (await import('./commands/login.ts')).loginCommand },
  { name: 'logout', summary: 'Revoke the token trueup login saved for a hub, and forget it.', load: async () => (await import('./commands/login.ts')).logoutCommand },
  { name: 'install', summary: 'Install the agent into a Kubernetes cluster (Namespace, ServiceAccount, RBAC, Applications, Deployment), or print the manifests.', load: async () => (await import('./commands/install.ts')).installCommand },
  { name: 'tools', summary: 'List the renderers (pinned versions, where found); install builds them from Go modules into Trueup\'s folder.', load: async () => (await import('./commands/tools.ts')).toolsCommand },
  { name: 'demo', summary: 'Run a Git server, an example config repository, a hub and an agent joined to it, on embedded defaults.', load: async () => (await import('./commands/demo.ts')).demoCommand },
];
