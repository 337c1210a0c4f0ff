export * from './git-repo.ts';
export * from './git-server.ts';
export * from './sshd.ts';
export * from './conformance.ts';
export * from './app-fixture.ts';
export * from './running-agent.ts';
export * from './kube-tools.ts';
export * from './kube-testenv.ts';
