import type { CycleReport } from '../../domain/cycleOutcome';
import type { RequestStatus } from '../../domain/requestStatus';
import { type RunSummary, workerWaitText } from '../../domain/targetState';

const iso = (ms: number | null | undefined): string | null =>
    ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** The run that covered a request, as callers see it: which job, when it started and ended, the outcome. */
interface RunView {
    readonly seq: number;
    readonly jobName: string | null;
    readonly attempts: number;
    readonly policy: string;
    readonly outcome: string;
    readonly reason: string | null;
    readonly exportErrors: number;
    readonly changeCount: number;
    readonly requestCount: number;
    readonly windowClosedAt: string | null;
    readonly jobCreatedAt: string | null;
    readonly jobStartedAt: string | null;
    readonly endedAt: string | null;
    readonly cycleStartedAt: string | null;
    readonly cycleEndedAt: string | null;
    readonly connectors: CycleReport['connectors'] | null;
}

/** One target's part of a request, as answered by the status endpoint. */
export interface RequestStatusView {
    readonly requestId: string;
    readonly targetId: string;
    readonly state: RequestStatus['state'];
    readonly policy: string;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly correlationId: string;
    readonly acceptedAt: string | null;
    readonly expectedStartAt?: string | null;
    readonly job?: {
        readonly name: string | null;
        readonly phase: string;
        readonly attempt: number;
        readonly createdAt: string | null;
        readonly startedAt: string | null;
    };
    readonly run?: RunView;
    /** Running, but the job is queued for an offline Hybrid Worker. */
    readonly waitingForWorker?: {
        readonly queuedSince: string | null;
        readonly offlineSeconds: number;
        readonly message: string;
    };
    /** A refused request: why, and from when a retry can be merged. */
    readonly refusal?: { readonly reason: string; readonly retryAt: string | null };
}

function runView(run: RunSummary): RunView {
    return {
        seq: run.seq,
        jobName: run.jobName,
        attempts: run.attempts,
        policy: run.policy,
        outcome: run.outcome,
        reason: run.reason,
        exportErrors: run.exportErrors,
        changeCount: run.changeCount,
        requestCount: run.requestCount,
        windowClosedAt: iso(run.windowClosedAt),
        jobCreatedAt: iso(run.jobCreatedAt),
        jobStartedAt: iso(run.jobStartedAt),
        endedAt: iso(run.endedAt),
        cycleStartedAt: iso(run.report?.cycleStartedAt),
        cycleEndedAt: iso(run.report?.cycleEndedAt),
        connectors: run.report?.connectors ?? null,
    };
}

/**
 * The public view of a request's status.
 * @param status - the derived status
 */
export function requestStatusView(status: RequestStatus): RequestStatusView {
    const r = status.request;
    const base = {
        requestId: r.requestId,
        targetId: r.targetId,
        state: status.state,
        policy: r.policy,
        changeCount: r.changeCount,
        urgentCount: r.urgentCount,
        correlationId: r.correlationId,
        acceptedAt: iso(r.acceptedAt),
    };
    switch (status.state) {
        case 'waiting':
            return { ...base, expectedStartAt: iso(status.expectedStartAt) };
        case 'running':
            return {
                ...base,
                job: {
                    name: status.jobName,
                    phase: status.phase,
                    attempt: status.attempt,
                    createdAt: iso(status.jobCreatedAt),
                    startedAt: iso(status.jobStartedAt),
                },
                ...(status.waitingForWorker === null
                    ? {}
                    : {
                          waitingForWorker: {
                              queuedSince: iso(status.waitingForWorker.queuedSince),
                              offlineSeconds: Math.round(status.waitingForWorker.offlineMs / 1000),
                              message: workerWaitText(status.waitingForWorker),
                          },
                      }),
            };
        case 'succeeded':
        case 'partiallySucceeded':
        case 'skipped':
        case 'failed':
            return { ...base, run: runView(status.run) };
        case 'refused':
            return { ...base, refusal: { reason: status.refusal.reason, retryAt: iso(status.refusal.retryAt) } };
        default:
            return base;
    }
}
