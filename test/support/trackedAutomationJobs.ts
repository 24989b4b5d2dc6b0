import { PermanentDependencyError, TransientDependencyError } from '../../src/errors';
import type {
    AutomationJobs,
    AutomationTarget,
    CreateJobOptions,
    SyncJobParameters,
} from '../../src/ports/automationJobs';
import type { Clock } from '../../src/ports/clock';
import type { DependencyCall, Telemetry } from '../../src/ports/telemetry';

/** Job names remembered with their correlation id; a few runs' worth is plenty. */
const REMEMBERED_JOBS = 256;

function resultCodeOf(e: unknown): string {
    if (
        (e instanceof TransientDependencyError || e instanceof PermanentDependencyError) &&
        e.statusCode !== undefined
    ) {
        return String(e.statusCode);
    }
    return e instanceof Error ? e.name : 'Error';
}

/**
 * Wraps an {@link AutomationJobs} so that every call becomes a dependency record. `createJob` carries the run's
 * correlation id (the runbook parameter maps to the same operation id); reads and stops of jobs created by this
 * process reuse it. A job created by another instance is read without one: its record still names the target.
 * @param jobs - the real port
 * @param telemetry - where dependency records go
 * @param clock - for durations (wall time: durations of real calls)
 */
export function withDependencyTelemetry(jobs: AutomationJobs, telemetry: Telemetry, clock: Clock): AutomationJobs {
    const correlationByJob = new Map<string, string>();

    function remember(jobName: string, correlationId: string): void {
        correlationByJob.delete(jobName);
        correlationByJob.set(jobName, correlationId);
        if (correlationByJob.size > REMEMBERED_JOBS) {
            const oldest = correlationByJob.keys().next();
            if (oldest.done !== true) correlationByJob.delete(oldest.value);
        }
    }

    async function tracked<T>(
        name: string,
        target: AutomationTarget,
        jobName: string,
        call: () => Promise<T>,
    ): Promise<T> {
        const startedAt = clock.now();
        const correlationId = correlationByJob.get(jobName);
        const record = (success: boolean, resultCode: string): void => {
            const dependency: DependencyCall = {
                name,
                target: `${target.automationAccount}/${target.runbook}`,
                targetId: target.targetId,
                durationMs: Math.max(0, clock.now() - startedAt),
                success,
                resultCode,
                ...(correlationId === undefined ? {} : { correlationId }),
            };
            telemetry.trackDependency(dependency);
        };
        try {
            const result = await call();
            record(true, '200');
            return result;
        } catch (e) {
            record(false, resultCodeOf(e));
            throw e;
        }
    }

    return {
        createJob(
            target: AutomationTarget,
            jobName: string,
            parameters: SyncJobParameters,
            options?: CreateJobOptions,
        ) {
            remember(jobName, parameters.CorrelationId);
            return tracked('Automation CreateJob', target, jobName, () =>
                jobs.createJob(target, jobName, parameters, options),
            );
        },
        getJob(target: AutomationTarget, jobName: string, options?: CreateJobOptions) {
            return tracked('Automation GetJob', target, jobName, () => jobs.getJob(target, jobName, options));
        },
        stopJob(target: AutomationTarget, jobName: string, options?: CreateJobOptions) {
            return tracked('Automation StopJob', target, jobName, () => jobs.stopJob(target, jobName, options));
        },
    };
}
