import type { CycleOutcome, CycleReport } from './cycleOutcome';
import type { AutomationJobStatus } from './jobObservation';
import type { Tally } from './tally';

/**
 * The changes waiting for the next cycle on a target. Times are epoch milliseconds.
 * `seq` numbers windows per target; the run that covers a window has the same `seq`.
 */
export interface OpenWindow {
    readonly seq: number;
    readonly tally: Tally;
    readonly firstChangeAt: number;
    readonly lastChangeAt: number;
    /**
     * Led by an urgent change that found no run in progress: the window closes at once, so its run starts as soon as
     * `minSpacing` allows, without waiting for quiet. Later changes join it.
     */
    readonly lead: boolean;
    /** Correlation id of the request that opened the window; the run and its result carry it. */
    readonly correlationId: string;
}

/** What a run carries over from the window it covers; a retry and a finished run carry it on. */
export interface ClosedWindow {
    readonly seq: number;
    readonly tally: Tally;
    readonly correlationId: string;
    readonly firstChangeAt: number;
    readonly windowClosedAt: number;
}

/**
 * The closed window a run was made from, without the run's own fields. Listing the fields once keeps a new window
 * field from being dropped by one of the places that carry it on.
 * @param run - a run in any phase, or anything else that carries a closed window
 */
export function closedWindowOf(run: ClosedWindow): ClosedWindow {
    const { seq, tally, correlationId, firstChangeAt, windowClosedAt } = run;
    return { seq, tally, correlationId, firstChangeAt, windowClosedAt };
}

/**
 * Changes merged into a run after it was made from its window (a queued run takes later arrivals), grouped by
 * arrival. Whether its cycle covers them is known only from evidence: the import start its runbook reports.
 */
export interface JoinedChanges {
    readonly tally: Tally;
    readonly firstAt: number;
    /** The latest arrival in the group: the group is covered only if this is before the import started. */
    readonly lastAt: number;
}

/** What every phase of a run carries. */
interface RunBase extends ClosedWindow {
    /** 1 for the first job of the run; more when a retryable outcome (busy) is retried. */
    readonly attempt: number;
    readonly lastError: string | null;
    /**
     * Changes that arrived before this moment reached the run before any job of this attempt could exist, so its
     * cycle covers them by causality. Later ones are listed in `joins` and covered only on evidence.
     */
    readonly joinedSince: number;
    /** Newest last, at most `JOIN_GROUP_LIMIT` groups (the oldest merge when full: coarser, never lost). */
    readonly joins: readonly JoinedChanges[];
}

/** The job create is requested (or due): no job is known yet. */
export interface StartingRun extends RunBase {
    readonly phase: 'starting';
    /** When to (re)issue the idempotent create. */
    readonly startDueAt: number;
    readonly startFailures: number;
    /**
     * Queued behind the run in progress: its job's runbook starts its cycle once the running one has ended and not
     * before this moment (`minSpacing` from the run ahead). Null for a run that starts on its own.
     */
    readonly notBefore: number | null;
}

/** What a run knows once its job exists. */
interface JobFacts {
    readonly jobName: string;
    readonly jobCreatedAt: number;
    /**
     * The run timeout counts from here: the job's creation, or for a job queued behind another run, the moment that
     * run ended (before then its runbook is waiting for the server, not running late).
     */
    readonly timeoutFrom: number;
    /** When the job started running, as Automation reports it (or when the engine first saw it running). */
    readonly jobStartedAt: number | null;
    readonly lastStatus: AutomationJobStatus | null;
    /** When to read the job next. */
    readonly nextPollAt: number;
    /** When the engine last asked to read the job; a stop is decided only on a reading taken after it was due. */
    readonly lastPollAt: number | null;
    readonly polls: number;
    readonly workerOfflineReported: boolean;
    readonly attentionSince: number | null;
}

/** The job exists and is polled with back-off. */
export interface JobRun extends RunBase, JobFacts {
    readonly phase: 'active';
}

/** The engine has decided to stop the job; the stop is repeated with every poll until confirmed or stopGrace. */
export interface StoppingRun extends RunBase, JobFacts {
    readonly phase: 'stopping';
    readonly stopRequestedAt: number;
    readonly stopReason: CycleOutcome;
}

/** A run whose job exists. */
export type RunWithJob = JobRun | StoppingRun;

/** One sync cycle for one closed window, one Automation job per attempt: a union by phase. */
export type Run = StartingRun | RunWithJob;

/** Where a run is in its life. */
export type RunPhase = Run['phase'];

/**
 * The runs in progress on a target: the run ahead, whose cycle runs (or is about to) on the server, and at most one
 * queued behind it, whose job is created at once and whose runbook waits on the server for the running cycle to end.
 * There is no queued run without a run ahead.
 */
export interface Pipeline {
    readonly ahead: Run;
    readonly queued: Run | null;
}

/**
 * Changes a finished run did not cover: they joined it after its import had started (or with no evidence of when
 * it started), so they were carried to the run with seq `to`. A request accepted at or after `from` follows them.
 */
interface CarriedChanges {
    readonly to: number;
    readonly from: number;
    readonly changeCount: number;
}

/** The Automation job of a finished run's last attempt. */
interface FinishedJob {
    readonly name: string;
    readonly createdAt: number;
    readonly startedAt: number | null;
    readonly lastStatus: AutomationJobStatus | null;
}

/** A finished run, kept in the target's recent history and in the run store. */
export interface RunSummary extends ClosedWindow {
    readonly targetId: string;
    readonly attempts: number;
    /** Null when no job was ever created (every create failed). */
    readonly job: FinishedJob | null;
    /** When it ended: the job's own end as Automation reports it, else when the engine saw it end or gave up. */
    readonly endedAt: number;
    /** How it ended: the runbook's result, or what the engine decided when the runbook could not report. */
    readonly report: CycleReport;
    /** Changes that joined the run but were not covered by its cycle, and where they went; null when none. */
    readonly carried: CarriedChanges | null;
}

/** The one pending wake-up of a target. Wake messages with another token are stale. */
export interface PendingWake {
    readonly token: string;
    readonly at: number;
}

/** Request ids merged recently, so a retried merge is not counted twice. */
interface MergedRequest {
    readonly requestId: string;
    readonly seq: number;
}

/** Everything the engine knows about one target, stored as one entity and guarded by its ETag. */
export interface TargetState {
    readonly targetId: string;
    /**
     * Names this state's lifetime: chosen at random when the state is created and part of every job name, so a
     * state that is lost, restored or recreated, or another deployment sharing the Automation account, never
     * reuses an old job's name (a create of an existing name is read as "already started" and would adopt that
     * job's result).
     */
    readonly epoch: string;
    /** The `seq` the next window will get. */
    readonly nextSeq: number;
    readonly window: OpenWindow | null;
    readonly runs: Pipeline | null;
    /**
     * `minSpacing` counts from here: the earliest moment the latest run may start its cycle (when it was made, or
     * its NotBefore or retry moment, which may still lie ahead). Null before the first run.
     */
    readonly spacingFrom: number | null;
    readonly wake: PendingWake | null;
    /** Source of unique wake tokens. */
    readonly wakeCounter: number;
    /** Newest first, bounded by `HISTORY_LIMIT`. */
    readonly history: readonly RunSummary[];
    /** Newest last, bounded by `MERGED_REQUEST_LIMIT`. */
    readonly recentRequests: readonly MergedRequest[];
    readonly lastInitialAcceptedAt: number | null;
}

export const HISTORY_LIMIT = 20;
export const JOIN_GROUP_LIMIT = 16;
export const MERGED_REQUEST_LIMIT = 200;

/**
 * The state of a target nobody has sent anything to yet.
 * @param targetId - the target
 * @param epoch - a fresh random epoch for this state's lifetime
 */
export function emptyTargetState(targetId: string, epoch: string): TargetState {
    return {
        targetId,
        epoch,
        nextSeq: 1,
        window: null,
        runs: null,
        spacingFrom: null,
        wake: null,
        wakeCounter: 0,
        history: [],
        recentRequests: [],
        lastInitialAcceptedAt: null,
    };
}
