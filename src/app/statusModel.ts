import { classifyOutcome, type OutcomeClass } from '../domain/cycleOutcome';
import { workerWaitOf, workerWaitText } from '../domain/requestStatus';
import type { Run, RunSummary, TargetState } from '../domain/targetState';
import type { TargetTiming } from '../domain/timing';
import { windowStartDueAt } from '../domain/window';

/** How a target looks at a glance: the one word on-call reads first. */
export type TargetHealth = 'healthy' | 'warning' | 'failing' | 'unknown';

/**
 * What is going on at a target right now. A run in progress whose job cannot go on says why instead of "running":
 * `workerOffline` (its job is queued for a Hybrid Worker that is offline) or `needsAttention` (suspended, blocked or
 * disconnected); what waits behind it is in the window and the queued run.
 */
type TargetActivity = 'idle' | 'waiting' | 'running' | 'waitingAndRunning' | 'workerOffline' | 'needsAttention';

export interface WindowStatus {
    readonly seq: number;
    readonly policy: string;
    readonly openedAt: string;
    readonly ageSeconds: number;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly requestCount: number;
    /** Earliest start of its run (debounce, deadlines and spacing). */
    readonly expectedStartAt: string;
}

export interface RunStatus {
    readonly seq: number;
    readonly attempt: number;
    readonly phase: string;
    readonly policy: string;
    readonly jobName: string | null;
    readonly jobStatus: string | null;
    readonly changeCount: number;
    readonly windowClosedAt: string;
    readonly sinceSeconds: number;
    readonly workerOffline: boolean;
    /** The job is queued for an offline Hybrid Worker: for how long, and in words ("waiting for the Hybrid Worker (offline for N s)"). */
    readonly waitingForWorker: { readonly offlineSeconds: number; readonly text: string } | null;
    readonly needsAttention: boolean;
    readonly lastError: string | null;
}

export interface FinishedRunStatus {
    readonly seq: number;
    readonly policy: string;
    readonly outcome: string;
    readonly outcomeClass: OutcomeClass;
    /** Job start, else job creation, else window close: where the run sits on the 24-hour timeline. */
    readonly startedAt: string;
    readonly endedAt: string;
    /** Cycle (job start to end), else window close to end when the job never started. */
    readonly durationSeconds: number;
    readonly waitSeconds: number;
    readonly changeCount: number;
    readonly exportErrors: number;
    readonly attempts: number;
    readonly reason: string | null;
    readonly correlationId: string;
    /** The Automation job of the run's last attempt; null when no job was ever created. */
    readonly jobName: string | null;
}

export interface TargetStatus {
    readonly targetId: string;
    readonly health: TargetHealth;
    readonly activity: TargetActivity;
    readonly window: WindowStatus | null;
    readonly run: RunStatus | null;
    /** The run queued behind `run`: its job waits on the server for the running cycle (SYNC_MAX_WAITING_JOBS). */
    readonly queued: RunStatus | null;
    readonly lastSuccessAt: string | null;
    /** Newest first: every run that ended in the last 24 hours, and never fewer than the last 10 runs. */
    readonly lastRuns: readonly FinishedRunStatus[];
}

/** How many finished runs per target the page lists at least, however old. */
const LAST_RUNS_SHOWN = 10;

/** The status shows the runs of this last stretch of time: on-call reads a day at a glance. */
export const STATUS_DAY_MS = 24 * 3_600_000;

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));

function finishedRun(run: RunSummary): FinishedRunStatus {
    const startedAt = run.job?.startedAt ?? run.job?.createdAt ?? run.windowClosedAt;
    return {
        seq: run.seq,
        policy: run.tally.policy,
        outcome: run.report.outcome,
        outcomeClass: classifyOutcome(run.report.outcome),
        startedAt: iso(startedAt),
        endedAt: iso(run.endedAt),
        durationSeconds: seconds(run.endedAt - startedAt),
        waitSeconds: seconds(run.endedAt - run.firstChangeAt),
        changeCount: run.tally.changeCount,
        exportErrors: run.report.exportErrors,
        attempts: run.attempts,
        reason: run.report.reason ?? null,
        correlationId: run.correlationId,
        jobName: run.job?.name ?? null,
    };
}

/**
 * The runs listed: the day's runs (from the recent history and, beyond it, the run store), newest first, one per
 * seq; at least the last {@link LAST_RUNS_SHOWN} even when they are older.
 */
function listedRuns(state: TargetState, olderRuns: readonly RunSummary[], now: number): RunSummary[] {
    const bySeq = new Map<number, RunSummary>();
    for (const run of [...state.history, ...olderRuns]) if (!bySeq.has(run.seq)) bySeq.set(run.seq, run);
    const newestFirst = [...bySeq.values()].sort((a, b) => b.seq - a.seq);
    const dayStart = now - STATUS_DAY_MS;
    return newestFirst.filter((run, index) => index < LAST_RUNS_SHOWN || run.endedAt >= dayStart);
}

/**
 * The verdict: failing when the last run failed or the current job is stuck; warning when it was skipped or had
 * export errors; healthy after a success; unknown before any run.
 */
function healthOf(state: TargetState): TargetHealth {
    const run = state.runs?.ahead ?? null;
    if (run !== null && run.phase !== 'starting' && (run.workerOfflineReported || run.attentionSince !== null)) {
        return 'failing';
    }
    const last = state.history[0];
    if (last === undefined) return 'unknown';
    switch (classifyOutcome(last.report.outcome)) {
        case 'failed':
            return 'failing';
        case 'skipped':
        case 'partiallySucceeded':
            return 'warning';
        case 'succeeded':
            return 'healthy';
    }
}

function waitingForWorker(run: Run, now: number): RunStatus['waitingForWorker'] {
    const wait = workerWaitOf(run, now);
    return wait === null ? null : { offlineSeconds: seconds(wait.offlineMs), text: workerWaitText(wait) };
}

function activityOf(state: TargetState, now: number): TargetActivity {
    const runs = state.runs;
    if (runs === null) return state.window !== null ? 'waiting' : 'idle';
    const run = runs.ahead;
    if (run.phase !== 'starting' && run.attentionSince !== null) return 'needsAttention';
    if (workerWaitOf(run, now) !== null) return 'workerOffline';
    // A run queued behind the running one is work waiting, like an open window.
    return state.window !== null || runs.queued !== null ? 'waitingAndRunning' : 'running';
}

function runStatus(r: Run, now: number): RunStatus {
    // The job's facts, once the run has a job.
    const j = r.phase === 'starting' ? null : r;
    return {
        seq: r.seq,
        attempt: r.attempt,
        phase: r.phase,
        policy: r.tally.policy,
        jobName: j?.jobName ?? null,
        jobStatus: j?.lastStatus ?? null,
        changeCount: r.tally.changeCount,
        windowClosedAt: iso(r.windowClosedAt),
        sinceSeconds: seconds(now - (j?.jobStartedAt ?? j?.jobCreatedAt ?? r.windowClosedAt)),
        workerOffline: j?.workerOfflineReported ?? false,
        waitingForWorker: waitingForWorker(r, now),
        needsAttention: (j?.attentionSince ?? null) !== null,
        lastError: r.lastError,
    };
}

/**
 * One target's status, derived from its stored state. Pure.
 * @param state - the target's state
 * @param timing - the target's timing (for the expected start of the open window)
 * @param now - the current time
 * @param olderRuns - finished runs that have left the recent history (see `readOlderRuns`), if any
 */
export function targetStatus(
    state: TargetState,
    timing: TargetTiming,
    now: number,
    olderRuns: readonly RunSummary[] = [],
): TargetStatus {
    const w = state.window;
    const r = state.runs?.ahead ?? null;
    const queued = state.runs?.queued ?? null;
    const success = state.history.find((h) => {
        const c = classifyOutcome(h.report.outcome);
        return c === 'succeeded' || c === 'partiallySucceeded';
    });
    return {
        targetId: state.targetId,
        health: healthOf(state),
        activity: activityOf(state, now),
        window:
            w === null
                ? null
                : {
                      seq: w.seq,
                      policy: w.tally.policy,
                      openedAt: iso(w.firstChangeAt),
                      ageSeconds: seconds(now - w.firstChangeAt),
                      changeCount: w.tally.changeCount,
                      urgentCount: w.tally.urgentCount,
                      requestCount: w.tally.requestCount,
                      expectedStartAt: iso(windowStartDueAt(w, state.spacingFrom, timing)),
                  },
        run: r === null ? null : runStatus(r, now),
        queued: queued === null ? null : runStatus(queued, now),
        lastSuccessAt: success === undefined ? null : iso(success.endedAt),
        lastRuns: listedRuns(state, olderRuns, now).map(finishedRun),
    };
}
