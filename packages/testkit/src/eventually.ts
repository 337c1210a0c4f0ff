/** Waiting in tests for something that happens elsewhere (another process, a hub, a cluster). */

/**
 * Asks `fn` every 100 ms until it answers something (not undefined; a throw or rejection counts
 * as no answer) and returns that; fails after `timeoutMs` naming `what`, the last error and
 * `detail()` (a log to show, say).
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const error = last === undefined ? '' : `: ${last instanceof Error ? last.message : JSON.stringify(last)}`;
  const more = detail();
  throw new Error(`timed out waiting for ${what}${error}${more === '' ? '' : `\n${more}`}`);
}
