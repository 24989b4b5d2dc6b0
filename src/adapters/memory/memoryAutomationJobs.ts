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

    /** Jobs of a target whose cycle runs at `at` (started, not ended, not stopped). */
    runningAt(targetId: string, at: number): MemoryJob[] {
        return this.targetJobs(targetId).filter((j) => {
            const cycle = this.cycleOf(j);
            return cycle !== null && cycle.start <= at && at < cycle.end;
        });
    }

    /** Jobs of a target that exist at `at` and have not ended: queued, waiting for the server, or running. */
    inFlightAt(targetId: string, at: number): MemoryJob[] {
        return this.targetJobs(targetId).filter((j) => j.createdAt <= at && at < this.endOf(j));
    }

    private targetJobs(targetId: string): MemoryJob[] {
        return [...this.jobs.values()].filter((j) => j.targetId === targetId);
    }

    /**
     * When a job's cycle runs, or null when it never runs one (stuck, or stopped first). As this project's runbook
     * does, a job picked up while another job's cycle runs waits for it to end, and for its `NotBefore`; jobs wait
     * their turn in the order they were created.
     */
    private cycleOf(job: MemoryJob): { readonly start: number; readonly end: number } | null {
        return this.cyclesOf(job.targetId).get(job) ?? null;
    }

    private cyclesOf(targetId: string): Map<MemoryJob, { readonly start: number; readonly end: number } | null> {
        const cycles = new Map<MemoryJob, { readonly start: number; readonly end: number } | null>();
        let free = Number.NEGATIVE_INFINITY;
        for (const job of this.targetJobs(targetId)) {
            if (job.plan.stuck !== undefined) {
                cycles.set(job, null);
                continue;
            }
            const notBefore = job.parameters.NotBefore === undefined ? 0 : Date.parse(job.parameters.NotBefore);
            const start = Math.max(job.createdAt + job.plan.pickupDelayMs, notBefore, free);
            const end = Math.min(start + job.plan.durationMs, job.stoppedAt ?? Number.POSITIVE_INFINITY);
            const cycle = end > start ? { start, end } : null;
            cycles.set(job, cycle);
            if (cycle !== null) free = Math.max(free, cycle.end);
        }
        return cycles;
    }

    /** When a job ends: its cycle's end, its stop, or never. */
    private endOf(job: MemoryJob): number {
        const cycle = this.cycleOf(job);
        return Math.min(cycle?.end ?? Number.POSITIVE_INFINITY, job.stoppedAt ?? Number.POSITIVE_INFINITY);
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
        const cycle = this.cycleOf(job);
        if (cycle === null || now < cycle.end) return { kind: 'running', status: 'Running', startedAt };
        const failed = job.plan.report.outcome === 'Failed';
        return {
            kind: 'finished',
            status: failed ? 'Failed' : 'Completed',
            // The runbook's evidence of coverage: its cycle's import read every change made before it started.
            report: { importStartedAt: cycle.start, ...job.plan.report },
            startedAt,
            endedAt: cycle.end,
        };
    }

    private key(target: AutomationTarget, jobName: string): string {
        return `${target.subscriptionId}/${target.resourceGroup}/${target.automationAccount}/${jobName}`;
    }
}
