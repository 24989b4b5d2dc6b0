import type { KindCounts } from './change';
import type { CycleOutcome, CycleReport } from './cycleOutcome';
import type { AutomationJobStatus } from './jobObservation';
import type { SyncPolicy } from './policy';

/**
 * The changes waiting for the next cycle on a target. Times are epoch milliseconds.
 * `seq` numbers windows per target; the run that covers a window has the same `seq`.
 */
export interface OpenWindow {
    readonly seq: number;
    readonly policy: SyncPolicy;
    readonly firstChangeAt: number;
    readonly lastChangeAt: number;
    /** First urgent change, if any: the window closes no later than this plus `urgentMaxWait`. */
    readonly firstUrgentAt: number | null;
    /**
     * Opened by an urgent change on an idle target (no run in progress, no window open): the window closes at
     * once, so its run starts as soon as `minSpacing` allows, without waiting for quiet. Later changes join it.
     */
    readonly lead: boolean;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly requestCount: number;
    readonly kinds: KindCounts;
    /** Correlation id of the request that opened the window; the run and its result carry it. */
    readonly correlationId: string;
}

/** Where a run is in its life. */
export type RunPhase = Run['phase'];

/** What a run carries over from the window it covers. */
interface ClosedWindow {
    readonly seq: number;
    readonly policy: SyncPolicy;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly requestCount: number;
    readonly kinds: KindCounts;
    readonly correlationId: string;
    readonly firstChangeAt: number;
    readonly firstUrgentAt: number | null;
    readonly windowClosedAt: number;
}

/**
 * The closed window a run was made from, without the run's own fields: a retry and a finished run carry it on,
 * and listing the fields once keeps a new window field from being dropped by one of them.
 * @param run - a run in any phase, or anything else that carries a closed window
 */
export function closedWindowOf(run: ClosedWindow): ClosedWindow {
    return {
        seq: run.seq,
        policy: run.policy,
        changeCount: run.changeCount,
        urgentCount: run.urgentCount,
        requestCount: run.requestCount,
        kinds: run.kinds,
        correlationId: run.correlationId,
        firstChangeAt: run.firstChangeAt,
        firstUrgentAt: run.firstUrgentAt,
        windowClosedAt: run.windowClosedAt,
    };
}

/**
 * Changes merged into a run after it was made from its window (a waiting run takes later arrivals), grouped by
 * arrival. Whether its cycle covers them is known only from evidence: the import start its runbook reports.
 */
export interface JoinedChanges {
    /** The strongest policy among them: carried on, an Initial stays an Initial. */
    readonly policy: SyncPolicy;
    readonly firstAt: number;
    /** The latest arrival in the group: the group is covered only if this is before the import started. */
    readonly lastAt: number;
    readonly firstUrgentAt: number | null;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly requestCount: number;
    readonly kinds: KindCounts;
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

/**
 * When the run next needs the engine: its (re)create, or its next reading of the job.
 * @param run - the run
 */
export function runNextDueAt(run: Run): number {
    return run.phase === 'starting' ? run.startDueAt : run.nextPollAt;
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

/** A finished run, kept in the target's recent history and in the run store. */
export interface RunSummary extends ClosedWindow {
    readonly targetId: string;
    readonly attempts: number;
    readonly jobName: string | null;
    readonly jobCreatedAt: number | null;
    readonly jobStartedAt: number | null;
    readonly endedAt: number;
    readonly outcome: CycleOutcome;
    readonly reason: string | null;
    readonly exportErrors: number;
    readonly lastStatus: AutomationJobStatus | null;
    readonly report: CycleReport | null;
    /** Changes that joined the run but were not covered by its cycle, and where they went; null when none. */
    readonly carried: CarriedChanges | null;
}

/**
 * The summary of a run that ends (or that the engine has given up on) with `report` at `endedAt`.
 * @param targetId - the target
 * @param run - the run
 * @param report - how it ended
 * @param jobStartedAt - when its cycle started, if known
 * @param endedAt - when it ended
 */
export function summarizeRun(
    targetId: string,
    run: Run,
    report: CycleReport,
    jobStartedAt: number | null,
    endedAt: number,
): RunSummary {
    return {
        ...closedWindowOf(run),
        targetId,
        attempts: run.attempt,
        jobName: run.phase === 'starting' ? null : run.jobName,
        jobCreatedAt: run.phase === 'starting' ? null : run.jobCreatedAt,
        jobStartedAt,
        endedAt,
        outcome: report.outcome,
        reason: report.reason ?? null,
        exportErrors: report.exportErrors,
        lastStatus: run.phase === 'starting' ? null : run.lastStatus,
        report,
        carried: null,
    };
}

/**
 * How long a run's job has waited for an offline Hybrid Worker, or null when it is not waiting for one: the job
 * is still queued (never started) and the engine has seen it queued past `workerOfflineAfter`.
 * @param run - the run
 * @param now - the current time
 */
export function workerWaitOf(run: Run, now: number): WorkerWait | null {
    if (run.phase !== 'active' || !run.workerOfflineReported || run.jobStartedAt !== null) return null;
    return { queuedSince: run.jobCreatedAt, offlineMs: Math.max(0, now - run.jobCreatedAt) };
}

/** A job queued for a Hybrid Worker that is offline. */
export interface WorkerWait {
    readonly queuedSince: number;
    readonly offlineMs: number;
}

/**
 * The words for {@link WorkerWait}, the same on every surface.
 * @param wait - the wait
 */
export function workerWaitText(wait: WorkerWait): string {
    return `waiting for the Hybrid Worker (offline for ${Math.round(wait.offlineMs / 1000)} s)`;
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
     * job's result). {@link LEGACY_EPOCH} for a state stored before epochs existed, until one is assigned.
     */
    readonly epoch: string;
    /** The `seq` the next window will get. */
    readonly nextSeq: number;
    readonly window: OpenWindow | null;
    /** The run ahead: its cycle runs (or is about to) on the Connect server. */
    readonly run: Run | null;
    /**
     * The run queued behind it (only while `run` is set): its job is created at once and its runbook waits on the
     * server for the running cycle to end. Later changes join it. It becomes `run` when the run ahead ends.
     */
    readonly trail: Run | null;
    readonly lastRunStartedAt: number | null;
    readonly wake: PendingWake | null;
    /** Source of unique wake tokens. */
    readonly wakeCounter: number;
    /** Newest first, bounded by `HISTORY_LIMIT`. */
    readonly history: readonly RunSummary[];
    /** Newest last, bounded by `MERGED_REQUEST_LIMIT`. */
    readonly recentRequests: readonly MergedRequest[];
    readonly lastInitialAcceptedAt: number | null;
}

/**
 * The epoch of a state stored before epochs existed: its jobs were named from the target, seq and attempt only.
 * The coordinator assigns a real epoch under the ETag once no job create of the old naming can be repeated.
 */
export const LEGACY_EPOCH = '';

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
        run: null,
        trail: null,
        lastRunStartedAt: null,
        wake: null,
        wakeCounter: 0,
        history: [],
        recentRequests: [],
        lastInitialAcceptedAt: null,
    };
}
