/**
 * Points where a crash test stops the process running the provider, to land a fault exactly in a
 * window that a real crash hits only by chance (between spawning a process and recording it).
 * Never set outside tests.
 */
export interface FaultHooks {
  /** A Service or Command process was spawned; its pid is not recorded yet. */
  afterSpawn?(kind: 'Service' | 'Command', name: string, pid: number): void;
}
