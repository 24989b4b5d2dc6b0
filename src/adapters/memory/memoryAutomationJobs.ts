import type { CycleReport } from '../../domain/cycleOutcome';
import type { JobObservation } from '../../domain/jobObservation';
import { PermanentDependencyError, TransientDependencyError } from '../../errors';
import type { AutomationJobs, AutomationTarget, SyncJobParameters } from '../../ports/automationJobs';
import type { Clock } from '../../ports/clock';

/** How one in-memory job behaves: when a worker picks it up, how long the cycle runs and how it ends. */
export interface JobPlan {
    readonly pickupDelayMs: number;
    readonly durationMs: number;
    readonly report: CycleReport;
    /** Stays queued forever (worker offline) or suspended (needs attention). */
    readonly stuck?: 'queued' | 'suspended';
}

export interface MemoryJob {
    readonly targetId: string;
    readonly jobName: string;
    readonly parameters: SyncJobParameters;
    readonly runOn: string;
    readonly createdAt: number;
    readonly plan: JobPlan;
    stoppedAt: number | null;
}

const DEFAULT_PLAN: JobPlan = {
    pickupDelayMs: 5_000,
    durationMs: 40_000,
    report: { outcome: 'Succeeded', exportErrors: 0 },
};

/**
 * Automation jobs in memory, timed by the injected clock. Creation is idempotent on the job name, like the
 * real adapter. `planFor` decides each job's behaviour; `failNextCreates` injects create failures.
 */
export class MemoryAutomationJobs implements AutomationJobs {
    readonly jobs = new Map<string, MemoryJob>();
    calls = 0;
    private readonly createFailures: ('transient' | 'permanent')[] = [];

    constructor(
        private readonly clock: Clock,
        private readonly planFor: (job: {
            targetId: string;
            jobName: string;
            parameters: SyncJobParameters;
        }) => JobPlan = () => DEFAULT_PLAN,
    ) {}

    /** The next `count` creates fail, transiently or permanently. */
    failNextCreates(count: number, kind: 'transient' | 'permanent'): void {
        for (let i = 0; i < count; i++) this.createFailures.push(kind);
    }

    createJob(target: AutomationTarget, jobName: string, parameters: SyncJobParameters): Promise<JobObservation> {
        this.calls++;
        const failure = this.createFailures.shift();
        if (failure === 'transient')
            return Promise.reject(new TransientDependencyError('Simulated 503 from Automation', 503));
        if (failure === 'permanent')
            return Promise.reject(new PermanentDependencyError('Simulated 403 from Automation', 403));
        const key = this.key(target, jobName);
        if (!this.jobs.has(key)) {
            this.jobs.set(key, {
                targetId: target.targetId,
                jobName,
                parameters,
                runOn: target.hybridWorkerGroup,
                createdAt: this.clock.now(),
                plan: this.planFor({ targetId: target.targetId, jobName, parameters }),
                stoppedAt: null,
            });
        }
        return Promise.resolve(this.observe(key));
    }

    getJob(target: AutomationTarget, jobName: string): Promise<JobObservation> {
        this.calls++;
        const key = this.key(target, jobName);
        if (!this.jobs.has(key)) return Promise.resolve({ kind: 'notFound' });
        return Promise.resolve(this.observe(key));
    }

    stopJob(target: AutomationTarget, jobName: string): Promise<void> {
        this.calls++;
        const job = this.jobs.get(this.key(target, jobName));
        // Nothing left to stop, as with the real adapter.
        if (job === undefined) return Promise.resolve();
        job.stoppedAt ??= this.clock.now();
        return Promise.resolve();
    }

    /** Jobs of a target whose cycle runs at `at` (picked up, not finished, not stopped). */
    runningAt(targetId: string, at: number): MemoryJob[] {
        return [...this.jobs.values()].filter((j) => {
            if (j.targetId !== targetId || j.plan.stuck !== undefined) return false;
            const start = j.createdAt + j.plan.pickupDelayMs;
            const end = Math.min(start + j.plan.durationMs, j.stoppedAt ?? Number.POSITIVE_INFINITY);
            return start <= at && at < end;
        });
    }

    private observe(key: string): JobObservation {
        const job = this.jobs.get(key);
        if (job === undefined) throw new Error(`missing job ${key}`);
        const now = this.clock.now();
        const startedAt = job.createdAt + job.plan.pickupDelayMs;
        if (job.stoppedAt !== null) {
            return {
                kind: 'finished',
                status: 'Stopped',
                report: { outcome: 'Stopped', exportErrors: 0, reason: 'Stopped on request' },
                endedAt: job.stoppedAt,
                ...(job.plan.stuck === undefined && startedAt <= job.stoppedAt ? { startedAt } : {}),
            };
        }
        if (job.plan.stuck === 'queued') return { kind: 'queued', status: 'New' };
        if (job.plan.stuck === 'suspended')
            return { kind: 'attention', status: 'Suspended', detail: 'Simulated suspension' };
        if (now < startedAt) return { kind: 'queued', status: now < job.createdAt + 1000 ? 'New' : 'Activating' };
        const endedAt = startedAt + job.plan.durationMs;
        if (now < endedAt) return { kind: 'running', status: 'Running', startedAt };
        const failed = job.plan.report.outcome === 'Failed';
        return {
            kind: 'finished',
            status: failed ? 'Failed' : 'Completed',
            report: job.plan.report,
            startedAt,
            endedAt,
        };
    }

    private key(target: AutomationTarget, jobName: string): string {
        return `${target.subscriptionId}/${target.resourceGroup}/${target.automationAccount}/${jobName}`;
    }
}
