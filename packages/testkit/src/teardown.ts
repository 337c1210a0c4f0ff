/**
 * Teardown in reverse order of setup: `t.after` hooks run first-registered first, which would
 * remove a fixture's folders while the agent started on them still runs (and heals them back).
 */
export function lastInFirstOut(t: { after: (fn: () => Promise<void>) => void }): (fn: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  return (fn) => {
    steps.push(fn);
  };
}
