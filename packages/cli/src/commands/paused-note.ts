/** How `status` shows a self-heal pause: what a person reading the table must not miss. */
import type { ApplicationStatus } from '@trueup/api';

/** `self-heal paused by X at T; ` (or for which objects) while paused, else empty. */
export function pausedNote(selfHeal: ApplicationStatus['selfHeal']): string {
  if (selfHeal === undefined) return '';
  if (selfHeal.pause !== undefined) return `self-heal paused by ${selfHeal.pause.by} at ${selfHeal.pause.at}; `;
  return `self-heal paused for ${selfHeal.objects.map((o) => o.object).join(', ')}; `;
}
