/** The types the runner hub speaks in: job requests and outcomes, runner sessions, the queue shared by replicas. */
import type { JobEvent, RunnerJobResult, RunnerOffer } from '@trueup/api';
import type WebSocket from 'ws';

export type JobOutcome = { kind: 'result'; result: RunnerJobResult; runnerId: string } | { kind: 'lost'; runnerId: string } | { kind: 'cancelled'; reason: string };

export interface JobRequest {
  key: string;
  labels: string[];
  /** Set for a job that targets an environment: never re-queued after its runner is lost. */
  environment: string | undefined;
  offer: RunnerOffer;
  onEvent(event: JobEvent): void;
  /** Offered and accepted by a runner. */
  onStarted(runnerId: string, attempt: number): void;
  /** The runner was lost and the job waits again. */
  onRequeued(runnerId: string): void;
}

export interface Pending extends JobRequest {
  /** Published to the queue shared by replicas (a runner of another replica may take it). */
  published: boolean;
  /** Never published: a job this replica runs for another replica's run. */
  localOnly: boolean;
  attempt: number;
  queuedAt: number;
  runnerId: string | undefined;
  accepted: boolean;
  /** Not offered before this time (a resumed job whose runner may still come back and claim it). */
  notBefore: number;
  /** Queued again when its run resumed: a runner that reports running it takes it (its offer was taken before the restart). */
  claimable: boolean;
  declinedBy: Set<string>;
  cancelled: string | undefined;
  resolve(outcome: JobOutcome): void;
}

export interface RunnerSession {
  id: string;
  name: string;
  labels: string[];
  capacity: number;
  socket: WebSocket | undefined;
  jobs: Set<string>;
  /** The jobs the runner last said it runs (hello, heartbeat). */
  reported: Set<string>;
  lastHeard: number;
  lastSent: number;
}

/** The queue shared by hub replicas (PostgreSQL); absent on a single hub. */
export interface SharedQueuePort {
  /** Offers a job no runner of this replica can take now to the other replicas. */
  publish(job: { key: string; labels: string[]; environment: string | undefined; offer: RunnerOffer; queuedAt: number }): void;
  /** Takes a published job for this replica's runner; false when another replica took it. */
  claim(key: string): Promise<boolean>;
  /** The replica whose runner runs a published job, if one claimed it. */
  claimedBy(key: string): Promise<string | undefined>;
  /** The job ended or left the queue here: its shared row goes. */
  forget(key: string): void;
  /** Asks the replica that runs the job to cancel it. */
  cancelRemote(key: string, reason: string): void;
  /** A runner here has room: look for jobs other replicas published. */
  pull(): void;
}

/** What the replica that runs a job for another replica's run reports back, in order. */
export type RemoteJobFrame =
  | { kind: 'started'; runnerId: string; attempt: number }
  | { kind: 'event'; event: JobEvent }
  | { kind: 'requeued'; runnerId: string }
  | { kind: 'outcome'; outcome: JobOutcome };

export interface RunnerHubOptions {
  now?: () => number;
  leaseMs?: number;
  log?: (message: string) => void;
  onSeen?: (runnerId: string, labels: string[]) => void;
}
