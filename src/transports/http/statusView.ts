import type { FinishedRunStatus, RunStatus, TargetStatus } from '../../app/statusModel';
import type { CycleReport } from '../../domain/cycleOutcome';
import { type RequestStatus, workerWaitText } from '../../domain/requestStatus';
import type { RunSummary } from '../../domain/targetState';
import { jobLink, type JobLocation, operationLink, type PortalLinkSettings } from './portalLinks';

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
        jobName: run.job?.name ?? null,
        attempts: run.attempts,
        policy: run.tally.policy,
        outcome: run.report.outcome,
        reason: run.report.reason ?? null,
        exportErrors: run.report.exportErrors,
        changeCount: run.tally.changeCount,
        requestCount: run.tally.requestCount,
        windowClosedAt: iso(run.windowClosedAt),
        jobCreatedAt: iso(run.job?.createdAt),
        jobStartedAt: iso(run.job?.startedAt),
        endedAt: iso(run.endedAt),
        cycleStartedAt: iso(run.report.cycleStartedAt),
        cycleEndedAt: iso(run.report.cycleEndedAt),
        connectors: run.report.connectors ?? null,
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

/** Portal deep links of a run; each is null when a setting it needs is absent (never a broken link). */
export interface RunLinks {
    /** Application Insights: every telemetry item of the run's operation. */
    readonly operation: string | null;
    /** The Automation job in the portal. */
    readonly job: string | null;
}

/** A finished run as the status answer shows it: the model's view plus its portal links. */
export type LinkedRun = FinishedRunStatus & { readonly links: RunLinks };

/** One target as the status answer shows it. */
export type TargetStatusView = Omit<TargetStatus, 'lastRuns' | 'run' | 'queued'> & {
    readonly run: (RunStatus & { readonly links: RunLinks }) | null;
    readonly queued: (RunStatus & { readonly links: RunLinks }) | null;
    readonly lastRuns: readonly LinkedRun[];
};

/** The status answer (`GET /api/status`, JSON) and the page's content. */
export interface StatusDocument {
    readonly generatedAt: string;
    readonly workbookUrl: string | null;
    readonly targets: readonly TargetStatusView[];
}

/**
 * Adds the portal links to one target's status.
 * @param status - the model's status of the target
 * @param target - where its jobs run
 * @param portal - the portal settings, or null when links are off
 */
export function targetStatusView(
    status: TargetStatus,
    target: JobLocation,
    portal: PortalLinkSettings | null,
): TargetStatusView {
    const links = (jobName: string | null, run: FinishedRunStatus | null): RunLinks => ({
        operation: portal === null || run === null ? null : operationLink(portal, run),
        job: portal === null ? null : jobLink(portal, target, jobName),
    });
    return {
        ...status,
        run: status.run === null ? null : { ...status.run, links: links(status.run.jobName, null) },
        queued: status.queued === null ? null : { ...status.queued, links: links(status.queued.jobName, null) },
        lastRuns: status.lastRuns.map((run) => ({ ...run, links: links(run.jobName, run) })),
    };
}
