/** One pass in the mode asked, then observing again while Progressing, for at most `waitHealthyMs`. */
import type { ApplicationStatus } from '@trueup/api';
import type { AppRuntime, PassMode, PassOptions, PassPlan } from './app-runtime.ts';

const RECHECK_EVERY_MS = 250;

export async function passAndWait(runtime: AppRuntime, mode: PassMode, waitHealthyMs = 0): Promise<ApplicationStatus> {
  return (await planPassAndWait(runtime, mode, waitHealthyMs)).status;
}

/** The same, with what the pass planned (a dry run: what it would change). */
export async function planPassAndWait(runtime: AppRuntime, mode: PassMode, waitHealthyMs = 0, options: PassOptions = {}): Promise<{ status: ApplicationStatus } & PassPlan> {
  const passed = await runtime.passWithPlan(mode, options);
  let { status } = passed;
  const deadline = Date.now() + waitHealthyMs;
  while (status.health.status === 'Progressing' && status.error === undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, RECHECK_EVERY_MS));
    status = (await runtime.recheck()) ?? status;
  }
  return { ...passed, status };
}
