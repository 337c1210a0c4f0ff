/** One pass in the mode asked, then observing again while Progressing, for at most `waitHealthyMs`. */
import type { ApplicationStatus } from '@trueup/api';
import type { AppRuntime, PassMode } from './app-runtime.ts';

const RECHECK_EVERY_MS = 250;

export async function passAndWait(runtime: AppRuntime, mode: PassMode, waitHealthyMs = 0): Promise<ApplicationStatus> {
  let status = await runtime.pass('manual', mode);
  const deadline = Date.now() + waitHealthyMs;
  while (status.health.status === 'Progressing' && status.error === undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, RECHECK_EVERY_MS));
    status = (await runtime.recheck()) ?? status;
  }
  return status;
}
