import type { JobObservation } from '../domain/jobObservation';
import type { SyncPolicy } from '../domain/policy';
import type { AutomationTarget } from '../domain/target';

export type { AutomationTarget } from '../domain/target';

/** Runbook parameters: a closed set, nothing free-text reaches the Connect server. */
export interface SyncJobParameters {
    readonly PolicyType: SyncPolicy;
    /** Seconds the runbook waits for the cycle to end before it reports TimedOut. */
    readonly TimeoutSeconds: number;
    /** Correlation id, a GUID or 32-hex trace id; echoed in the result line. */
    readonly CorrelationId: string;
    /**
     * An instant in ISO 8601 UTC (`Date.prototype.toISOString()`, e.g. `2026-12-01T06:00:00.000Z`): the runbook
     * starts its cycle no earlier (it sleeps until then, then waits for idle again). Absent: no constraint. The
     * runbook refuses anything else at binding, so the job fails before touching the server.
     */
    readonly NotBefore?: string;
}

export interface CreateJobOptions {
    readonly abortSignal?: AbortSignal;
}

/**
 * Starts, reads and stops runbook jobs. Creation is idempotent on the job name: creating a name that
 * exists returns that job's observation. Failures are thrown as `TransientDependencyError` or
 * `PermanentDependencyError`.
 */
export interface AutomationJobs {
    createJob(
        target: AutomationTarget,
        jobName: string,
        parameters: SyncJobParameters,
        options?: CreateJobOptions,
    ): Promise<JobObservation>;
    getJob(target: AutomationTarget, jobName: string, options?: CreateJobOptions): Promise<JobObservation>;
    stopJob(target: AutomationTarget, jobName: string, options?: CreateJobOptions): Promise<void>;
}
