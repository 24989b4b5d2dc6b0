import type { EngineEvent } from './engineEvent';
import type { JobObservation } from './jobObservation';
import type { SyncPolicy } from './policy';
import type { RequestChanges } from './tally';
import type { RunSummary, TargetState } from './targetState';

/** A request's changes, accepted and stored, to merge into the target's window. */
export interface ChangesAccepted extends RequestChanges {
    readonly type: 'changesAccepted';
    readonly requestId: string;
    readonly correlationId: string;
    /**
     * At most one Initial merged per target in this period: an Initial within it is refused (the decision carries
     * the refusal and nothing changes). Absent: no limit (a stranded request merged by reconcile).
     */
    readonly initialMinIntervalMs?: number;
}

/** Something that happened to a target, fed to `decide`. */
export type EngineInput =
    | ChangesAccepted
    /** A wake-up message arrived. `token: null` is the reconcile timer, which may also repair a lost wake. */
    | { readonly type: 'wake'; readonly token: string | null }
    | { readonly type: 'jobCreated'; readonly seq: number; readonly attempt: number; readonly jobName: string }
    | {
          readonly type: 'jobStartFailed';
          readonly seq: number;
          readonly attempt: number;
          readonly transient: boolean;
          readonly reason: string;
      }
    | {
          readonly type: 'jobObserved';
          readonly seq: number;
          readonly attempt: number;
          readonly observation: JobObservation;
      }
    /** Reading or stopping the job failed; the next poll tries again. */
    | { readonly type: 'jobReadFailed'; readonly seq: number; readonly attempt: number; readonly reason: string };

/** Something the coordinator must do after the new state is saved. */
export type Effect =
    | { readonly type: 'scheduleWake'; readonly targetId: string; readonly token: string; readonly at: number }
    | {
          readonly type: 'startJob';
          readonly targetId: string;
          /** The state's epoch: with seq and attempt it names the job (unique per state lifetime). */
          readonly epoch: string;
          readonly seq: number;
          readonly attempt: number;
          readonly policy: SyncPolicy;
          readonly correlationId: string;
          /** A job queued behind the run in progress: its runbook starts the cycle no earlier than this. */
          readonly notBefore: number | null;
      }
    | {
          readonly type: 'observeJob';
          readonly targetId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly jobName: string;
      }
    | {
          readonly type: 'stopJob';
          readonly targetId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly jobName: string;
      }
    | { readonly type: 'recordRun'; readonly run: RunSummary }
    | { readonly type: 'emit'; readonly event: EngineEvent };

/**
 * The result of `decide`: the changes were refused (nothing changed, no effects), or it decided. `changed: false`
 * means nothing needs saving and there are no effects. `seq` is the window (and so the run) that will cover the
 * changes of a `changesAccepted` input, and null for every other input.
 */
export type Decision =
    | { readonly kind: 'refused'; readonly refusal: MergeRefusal }
    | {
          readonly kind: 'decided';
          readonly state: TargetState;
          readonly effects: readonly Effect[];
          readonly changed: boolean;
          readonly seq: number | null;
      };

/**
 * Why the engine refused to merge a request's changes. Decided under the target state's ETag, so it holds on any
 * number of instances.
 */
export interface MergeRefusal {
    readonly reason: 'initialRateLimited';
    /** The earliest moment an Initial can be merged again. */
    readonly retryAt: number;
}
