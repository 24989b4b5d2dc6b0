import { classifyOutcome, type OutcomeClass } from '../domain/cycleOutcome';
import { type Run, type RunSummary, type TargetState, workerWaitOf, workerWaitText } from '../domain/targetState';
import type { TargetTiming } from '../domain/timing';
import { windowStartDueAt } from '../domain/window';

/** How a target looks at a glance: the one word on-call reads first. */
export type TargetHealth = 'healthy' | 'warning' | 'failing' | 'unknown';

/** What is going on at a target right now. */
type TargetActivity = 'idle' | 'waiting' | 'running' | 'waitingAndRunning';

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
    readonly endedAt: string;
    /** Cycle (job start to end), else window close to end when the job never started. */
    readonly durationSeconds: number;
    readonly waitSeconds: number;
    readonly changeCount: number;
    readonly exportErrors: number;
    readonly attempts: number;
    readonly reason: string | null;
    readonly correlationId: string;
}

export interface TargetStatus {
    readonly targetId: string;
    readonly health: TargetHealth;
    readonly activity: TargetActivity;
    readonly window: WindowStatus | null;
    readonly run: RunStatus | null;
    readonly lastSuccessAt: string | null;
    readonly lastRuns: readonly FinishedRunStatus[];
}

/** The status page's content, also served as JSON. */
export interface StatusReport {
    readonly generatedAt: string;
    readonly workbookUrl: string | null;
    readonly targets: readonly TargetStatus[];
}

/** How many finished runs per target the page lists. */
const LAST_RUNS_SHOWN = 10;

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));

function finishedRun(run: RunSummary): FinishedRunStatus {
    const startedAt = run.jobStartedAt ?? run.jobCreatedAt ?? run.windowClosedAt;
    return {
        seq: run.seq,
        policy: run.policy,
        outcome: run.outcome,
        outcomeClass: classifyOutcome(run.outcome),
        endedAt: iso(run.endedAt),
        durationSeconds: seconds(run.endedAt - startedAt),
        waitSeconds: seconds(run.endedAt - run.firstChangeAt),
        changeCount: run.changeCount,
        exportErrors: run.exportErrors,
        attempts: run.attempts,
        reason: run.reason,
        correlationId: run.correlationId,
    };
}

/**
 * The verdict: failing when the last run failed or the current job is stuck; warning when it was skipped or had
 * export errors; healthy after a success; unknown before any run.
 */
function healthOf(state: TargetState): TargetHealth {
    const run = state.run;
    if (run !== null && run.phase !== 'starting' && (run.workerOfflineReported || run.attentionSince !== null)) {
        return 'failing';
    }
    const last = state.history[0];
    if (last === undefined) return 'unknown';
    switch (classifyOutcome(last.outcome)) {
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

function activityOf(state: TargetState): TargetActivity {
    if (state.window !== null && state.run !== null) return 'waitingAndRunning';
    if (state.run !== null) return 'running';
    if (state.window !== null) return 'waiting';
    return 'idle';
}

/**
 * One target's status, derived from its stored state. Pure.
 * @param state - the target's state
 * @param timing - the target's timing (for the expected start of the open window)
 * @param now - the current time
 */
export function targetStatus(state: TargetState, timing: TargetTiming, now: number): TargetStatus {
    const w = state.window;
    const r = state.run;
    // The job's facts, once the run has a job.
    const j = r === null || r.phase === 'starting' ? null : r;
    const success = state.history.find((h) => {
        const c = classifyOutcome(h.outcome);
        return c === 'succeeded' || c === 'partiallySucceeded';
    });
    return {
        targetId: state.targetId,
        health: healthOf(state),
        activity: activityOf(state),
        window:
            w === null
                ? null
                : {
                      seq: w.seq,
                      policy: w.policy,
                      openedAt: iso(w.firstChangeAt),
                      ageSeconds: seconds(now - w.firstChangeAt),
                      changeCount: w.changeCount,
                      urgentCount: w.urgentCount,
                      requestCount: w.requestCount,
                      expectedStartAt: iso(windowStartDueAt(w, state.lastRunStartedAt, timing)),
                  },
        run:
            r === null
                ? null
                : {
                      seq: r.seq,
                      attempt: r.attempt,
                      phase: r.phase,
                      policy: r.policy,
                      jobName: j?.jobName ?? null,
                      jobStatus: j?.lastStatus ?? null,
                      changeCount: r.changeCount,
                      windowClosedAt: iso(r.windowClosedAt),
                      sinceSeconds: seconds(now - (j?.jobStartedAt ?? j?.jobCreatedAt ?? r.windowClosedAt)),
                      workerOffline: j?.workerOfflineReported ?? false,
                      waitingForWorker: waitingForWorker(r, now),
                      needsAttention: (j?.attentionSince ?? null) !== null,
                      lastError: r.lastError,
                  },
        lastSuccessAt: success === undefined ? null : iso(success.endedAt),
        lastRuns: state.history.slice(0, LAST_RUNS_SHOWN).map(finishedRun),
    };
}
