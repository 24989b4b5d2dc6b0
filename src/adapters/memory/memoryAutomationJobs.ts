import type { CycleReport } from '../../domain/cycleOutcome';
import type { JobObservation } from '../../domain/jobObservation';
import { PermanentDependencyError, TransientDependencyError } from '../../errors';
import type { AutomationJobs, AutomationTarget, SyncJobParameters } from '../../ports/automationJobs';
import type { Clock } from '../../ports/clock';
import { playRunbooks, type TimelineJob, type TimelineLife } from '../simulatedConnect/runbookTimeline';

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
    private readonly played = new Map<
        string,
        { readonly signature: string; readonly lives: ReadonlyMap<MemoryJob, TimelineLife> }
    >();
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
            const cycle = this.lifeOf(j).cycle;
            return cycle !== null && cycle.startedAt <= at && at < cycle.endedAt;
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
     * A job's life on its target's Connect server: this project's runbook (src/adapters/simulatedConnect/runbook.ts)
     * played for every job of the target, each picked up after its plan's delay and running its cycle for the plan's
     * duration. A job picked up while another's cycle runs waits for it to end, and for its `NotBefore`; a stuck job
     * never starts a cycle; a stop ends the job and the cycle it runs.
     */
    private lifeOf(job: MemoryJob): TimelineLife {
        const lives = this.livesOf(job.targetId);
        const life = lives.get(job);
        if (life === undefined) throw new Error(`missing job ${job.jobName}`);
        return life;
    }

    /** Played again only when a job was created or stopped since: the lives follow from the jobs alone. */
    private livesOf(targetId: string): ReadonlyMap<MemoryJob, TimelineLife> {
        const jobs = this.targetJobs(targetId);
        const signature = jobs.map((j) => `${j.jobName}@${j.stoppedAt ?? ''}`).join('|');
        const cached = this.played.get(targetId);
        if (cached?.signature === signature) return cached.lives;
        const lives = playRunbooks(jobs.map(timelineJobOf));
        const byJob = new Map(jobs.map((job, i) => [job, lives[i] ?? never()]));
        this.played.set(targetId, { signature, lives: byJob });
        return byJob;
    }

    /** When a job ends: its cycle's end, its stop, or never. */
    private endOf(job: MemoryJob): number {
        return Math.min(this.lifeOf(job).endedAt, job.stoppedAt ?? Number.POSITIVE_INFINITY);
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
        const life = this.lifeOf(job);
        const cycle = life.cycle;
        if (cycle === null || now < life.endedAt) return { kind: 'running', status: 'Running', startedAt };
        const failed = job.plan.report.outcome === 'Failed';
        return {
            kind: 'finished',
            status: failed ? 'Failed' : 'Completed',
            // The runbook's evidence of coverage: its cycle's import read every change made before it started.
            // The plan stands for the rest of its line.
            report: { importStartedAt: cycle.startedAt, ...job.plan.report },
            startedAt,
            endedAt: life.endedAt,
        };
    }

    private key(target: AutomationTarget, jobName: string): string {
        return `${target.subscriptionId}/${target.resourceGroup}/${target.automationAccount}/${jobName}`;
    }
}

/** What the played runbook needs of a memory job. */
function timelineJobOf(job: MemoryJob): TimelineJob {
    const stopped = job.stoppedAt;
    return {
        jobName: job.jobName,
        parameters: job.parameters,
        createdAt: job.createdAt,
        beginsAt: job.plan.stuck === undefined ? job.createdAt + job.plan.pickupDelayMs : null,
        hangs: false,
        cycleMs: job.plan.durationMs,
        resultCollectionMs: 0,
        stop: stopped === null ? null : { requestedAt: stopped, endsAt: stopped },
    };
}

function never(): never {
    throw new Error('unreachable');
}
