export * from './agent.ts';
export * from './app-runtime.ts';
export { createApp, type RunningApp } from './app-set.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './load-applications.ts';
export * from './state-store.ts';
export * from './run-once.ts';
