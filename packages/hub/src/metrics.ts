/** The hub's Prometheus metrics, in a registry of its own (several hubs may share a process in tests). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class HubMetrics {
  readonly registry = new Registry();
  readonly agentsConnected = new Gauge({ name: 'trueup_hub_agents_connected', help: 'Agents with a live link.', registers: [this.registry] });
  readonly linkEvents = new Counter({ name: 'trueup_hub_link_events_total', help: 'Events received from agents, by kind and whether they were new.', labelNames: ['kind', 'result'] as const, registers: [this.registry] });
  readonly linkClosed = new Counter({ name: 'trueup_hub_link_closed_total', help: 'Links closed, by close code.', labelNames: ['code'] as const, registers: [this.registry] });
  readonly commands = new Counter({ name: 'trueup_hub_commands_total', help: 'Commands requested, by verb.', labelNames: ['verb'] as const, registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'trueup_hub_http_request_duration_seconds', help: 'HTTP request duration by route and status.', labelNames: ['method', 'route', 'status'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly repoPolls = new Counter({ name: 'trueup_hub_repo_polls_total', help: 'Repositories listed by the shared Git poll, by result (changed, unchanged, failed, skipped: not anonymous HTTP(S)).', labelNames: ['result'] as const, registers: [this.registry] });
  readonly repoPollDuration = new Histogram({ name: 'trueup_hub_repo_poll_duration_seconds', help: 'Duration of one repository listing (git ls-remote) of the shared poll.', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly repoPollRefreshes = new Counter({ name: 'trueup_hub_repo_poll_refreshes_total', help: 'Applications told to refresh because the shared poll saw their ref move.', registers: [this.registry] });
  readonly repoPollLeader = new Gauge({ name: 'trueup_hub_repo_poll_leader', help: '1 when this replica runs the shared Git poll (holds its lock).', registers: [this.registry] });
  readonly polledRepositories = new Gauge({ name: 'trueup_hub_polled_repositories', help: 'Repositories the live applications follow, at the last poll.', registers: [this.registry] });
  readonly streamSubscribers = new Gauge({ name: 'trueup_hub_stream_subscribers', help: 'Open /api/v1/stream connections.', registers: [this.registry] });
  /** How many branch writers are open now; set by the hub that has them. */
  writerCount: () => number = () => 0;
  readonly gitopsWriters: Gauge = new Gauge({ name: 'trueup_hub_gitops_writers', help: 'Branch writers open, each with a working copy (an adoption\'s is released when it ends).', registers: [this.registry], collect: (): void => this.gitopsWriters.set(this.writerCount()) });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }
}
