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
    /** ISO 8601 UTC: the runbook starts its cycle no earlier than this. */
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
