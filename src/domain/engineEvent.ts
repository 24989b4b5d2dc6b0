import type { CycleOutcome } from './cycleOutcome';
import type { AutomationJobStatus } from './jobObservation';
import type { SyncPolicy } from './policy';
import type { RunSummary } from './targetState';

/**
 * What the engine reports about each step. Telemetry turns these into custom events, metrics and availability
 * records; every event names its target and the window's correlation id.
 */
export type EngineEvent =
    | {
          readonly type: 'WindowOpened';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly policy: SyncPolicy;
          readonly urgent: boolean;
          /** An urgent change on an idle target: the window closes at once (minSpacing still applies). */
          readonly lead: boolean;
      }
    | {
          readonly type: 'WindowClosed';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly policy: SyncPolicy;
          readonly changeCount: number;
          readonly urgentCount: number;
          readonly requestCount: number;
          readonly openMs: number;
          /** Its run is queued behind the run in progress: the job is created now and waits on the server. */
          readonly queuedBehindRun: boolean;
      }
    | {
          readonly type: 'JobStarted';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly jobName: string;
          readonly policy: SyncPolicy;
          /** First change of the window to job creation. */
          readonly changeToJobStartMs: number;
          /** First urgent change to job creation, when the window had one. */
          readonly urgentToJobStartMs: number | null;
      }
    | {
          readonly type: 'JobStartFailed';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly transient: boolean;
          readonly willRetry: boolean;
          readonly reason: string;
      }
    | {
          readonly type: 'WorkerOffline';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly jobName: string;
          readonly queuedMs: number;
          readonly status: AutomationJobStatus;
      }
    | {
          readonly type: 'JobNeedsAttention';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly jobName: string;
          readonly status: AutomationJobStatus;
      }
    | {
          readonly type: 'JobStopRequested';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly jobName: string;
          readonly reason: CycleOutcome;
      }
    | {
          readonly type: 'RunRetried';
          readonly targetId: string;
          readonly correlationId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly previousOutcome: CycleOutcome;
      }
    | {
          readonly type: 'RunCompleted';
          readonly targetId: string;
          readonly correlationId: string;
          readonly run: RunSummary;
          /** First change of the window to the end of the cycle. */
          readonly changeToCycleEndMs: number;
          /** First urgent change to the end of the cycle, when the window had one. */
          readonly urgentToCycleEndMs: number | null;
          /** Job start (or creation) to end. */
          readonly cycleDurationMs: number | null;
      };
