/** The API's types, from the api package only (types: nothing of it reaches the bundle). */
export type {
  ApplicationCounts, ApplicationPageBody as ApplicationPage, ApplicationSummaryBody as ApplicationSummary, ApplicationStatus,
  AdoptResult, CommandBody as Command, Condition, EnvironmentBody as Environment, GateView, LedgerEntryBody as LedgerEntry, LedgerPageBody as LedgerPage,
  ReleaseStageView, ReleaseView, ResourceStatus,
} from '@trueup/api';

export const SYNC_STATES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export const HEALTH_STATES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;

export function appKey(a: { environment: string; name: string }): string {
  return `${a.environment}/${a.name}`;
}
