export * from './run-in-group.ts';
