import { classifyOutcome, type OutcomeClass } from './cycleOutcome';
import type { MergeRefusal } from './decision';
import { summarize } from './pipeline';
import { stopReasonText } from './runLifecycle';
import type { Run, RunPhase, RunSummary, TargetState } from './targetState';
import type { TargetTiming } from './timing';
import { windowStartDueAt } from './window';

/** What the request store remembers about an accepted request. */
export interface RequestRecord {
    readonly requestId: string;
    readonly targetId: string;
    /** The window that took the request's changes; null until merged (a crash in between is repaired). */
    readonly windowSeq: number | null;
    readonly acceptedAt: number;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly policy: 'Delta' | 'Initial';
    readonly correlationId: string;
    /** Hash of the normalised body, to tell a retry from a reused idempotency key. */
    readonly bodyHash: string;
    readonly idempotencyKey: string | null;
    /** Set when the engine refused to merge the request (final unless the caller retries it after `retryAt`). */
    readonly refusal?: MergeRefusal;
}

/**
 * The answer to "is my change synced yet?".
 * - `accepted`: stored, not yet in a window (only seen across a crash; reconcile merges it).
 * - `waiting`: in the open window; `expectedStartAt` is the earliest the run can start.
 * - `running`: its run's job is being created or is running; `waitingForWorker` when the job is queued for an
 *   offline Hybrid Worker.
 * - a final status: the run ended, or the engine gave up on it (decided to stop its job; the run view then says
 *   so): `run` says how. A poller gets its answer then, not after the stop is confirmed.
 * - `refused`: the engine refused to merge it (an Initial within the target's Initial interval); nothing runs.
 * - `expired`: the run is older than the history kept.
 */
export type RequestStatus =
    | { readonly state: 'accepted'; readonly request: RequestRecord }
    | { readonly state: 'waiting'; readonly request: RequestRecord; readonly expectedStartAt: number }
    | {
          readonly state: 'running';
          readonly request: RequestRecord;
          readonly phase: RunPhase;
          readonly attempt: number;
          readonly jobName: string | null;
          readonly jobCreatedAt: number | null;
          readonly jobStartedAt: number | null;
          readonly waitingForWorker: WorkerWait | null;
      }
    | { readonly state: OutcomeClass; readonly request: RequestRecord; readonly run: RunSummary }
    | { readonly state: 'refused'; readonly request: RequestRecord; readonly refusal: MergeRefusal }
    | { readonly state: 'expired'; readonly request: RequestRecord };

/** States in which the caller should poll again. */
export function isFinalRequestState(state: RequestStatus['state']): boolean {
    return state !== 'accepted' && state !== 'waiting' && state !== 'running';
}

/**
 * Derives a request's status from the target's state and, for older runs, the run store.
 * @param request - the stored request
 * @param state - the target's current state
 * @param timing - the target's timing, for the expected start
 * @param now - the current time
 * @param storedRun - the run with the covering `seq` from the run store, if the state no longer holds it
 * @param seq - the run that covers the request ({@link coveringSeq}): the one it was merged into unless carried on
 */
export function deriveRequestStatus(
    request: RequestRecord,
    state: TargetState,
    timing: TargetTiming,
    now: number,
    storedRun?: RunSummary | null,
    seq: number | null = request.windowSeq,
): RequestStatus {
    if (seq === null && request.refusal !== undefined) return { state: 'refused', request, refusal: request.refusal };
    if (seq === null) return { state: 'accepted', request };
    if (state.window?.seq === seq) {
        const expected = windowStartDueAt(state.window, state.spacingFrom, timing);
        const ahead = state.runs?.ahead ?? null;
        const afterRun = ahead === null ? expected : Math.max(expected, runNextDueAt(ahead));
        return { state: 'waiting', request, expectedStartAt: afterRun };
    }
    const runs = state.runs;
    const run = [runs?.ahead ?? null, runs?.queued ?? null].find((r) => r !== null && r.seq === seq) ?? null;
    if (run !== null) {
        const givenUp = givenUpSummary(state.targetId, run);
        if (givenUp !== null) return { state: classifyOutcome(givenUp.report.outcome), request, run: givenUp };
        return {
            state: 'running',
            request,
            phase: run.phase,
            attempt: run.attempt,
            jobName: run.phase === 'starting' ? null : run.jobName,
            jobCreatedAt: run.phase === 'starting' ? null : run.jobCreatedAt,
            jobStartedAt: run.phase === 'starting' ? null : run.jobStartedAt,
            waitingForWorker: workerWaitOf(run, now),
        };
    }
    const finished = state.history.find((r) => r.seq === seq) ?? storedRun ?? null;
    if (finished !== null) return { state: classifyOutcome(finished.report.outcome), request, run: finished };
    // A seq the state has not reached yet cannot happen; treat it like an unmerged request.
    if (seq >= state.nextSeq) return { state: 'accepted', request };
    return { state: 'expired', request };
}

/**
 * The seq of the run that covers a request: the one it was merged into, unless that run's cycle had started its
 * import before the request arrived and carried its changes on (then the run they went to, and so on).
 * @param request - the stored request
 * @param finishedRun - the finished run with a seq, from the state's history or the run store; null if unknown
 */
export async function coveringSeq(
    request: RequestRecord,
    finishedRun: (seq: number) => Promise<RunSummary | null>,
): Promise<number | null> {
    let seq = request.windowSeq;
    // Each carry goes to a later seq, so this ends; the bound only guards against a corrupt store.
    for (let hops = 0; seq !== null && hops < MAX_CARRIES_FOLLOWED; hops++) {
        const carried = (await finishedRun(seq))?.carried ?? null;
        if (carried === null || request.acceptedAt < carried.from || carried.to <= seq) return seq;
        seq = carried.to;
    }
    return seq;
}

const MAX_CARRIES_FOLLOWED = 20;

/** When the run next needs the engine: its (re)create, or its next reading of the job. */
function runNextDueAt(run: Run): number {
    return run.phase === 'starting' ? run.startDueAt : run.nextPollAt;
}

/**
 * The engine has given up on a run once it decided to stop its job: that decision is its outcome, whatever the
 * stop's confirmation (or the stop grace) later records. Null while the run goes on.
 */
function givenUpSummary(targetId: string, run: Run): RunSummary | null {
    if (run.phase !== 'stopping') return null;
    const reason = `${stopReasonText(run.stopReason)}; the stop is being confirmed`;
    return summarize(targetId, run, { outcome: run.stopReason, reason, exportErrors: 0 }, run.stopRequestedAt);
}

/** A job queued for a Hybrid Worker that is offline. */
export interface WorkerWait {
    readonly queuedSince: number;
    readonly offlineMs: number;
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

/**
 * The words for {@link WorkerWait}, the same on every surface.
 * @param wait - the wait
 */
export function workerWaitText(wait: WorkerWait): string {
    return `waiting for the Hybrid Worker (offline for ${Math.round(wait.offlineMs / 1000)} s)`;
}
