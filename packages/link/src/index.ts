export * from './agent-session.ts';
export * from './hub-session.ts';
export * from './backoff.ts';
export * from './client.ts';
export * from './server.ts';
export * from './join-token.ts';
export * from './proxy.ts';
