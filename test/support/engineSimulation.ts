import {
    type JobPlan,
    ManualClock,
    MemoryAutomationJobs,
    type MemoryJob,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../src/adapters/memory';
import { seededRandom as simulationRandom } from '../../src/adapters/simulatedConnect/random';
import { type Coordinator, type CoordinatorFaults, createCoordinator } from '../../src/app/coordinator';
import { jobNameFor } from '../../src/app/jobName';
import { backoffDelay, jobCreateBackoff } from '../../src/domain/backoff';
import { classifyOutcome } from '../../src/domain/cycleOutcome';
import type { Effect } from '../../src/domain/decision';
import type { JobObservation } from '../../src/domain/jobObservation';
import type { SyncPolicy } from '../../src/domain/policy';
import type { Target } from '../../src/domain/target';
import { emptyTargetState, type RunSummary, type TargetState } from '../../src/domain/targetState';
import type { TargetTiming } from '../../src/domain/timing';
import { LOST_WAKE_GRACE_MS } from '../../src/domain/wake';
import type { AutomationTarget, SyncJobParameters } from '../../src/ports/automationJobs';
import type { StoredTargetState, TargetStateStore } from '../../src/ports/targetStateStore';
import type { WakeMessage, WakeScheduler } from '../../src/ports/wakeScheduler';

/*
 * A small discrete-event simulation of the engine: one target, several coordinator instances sharing one store,
 * a wake queue that loses, duplicates, delays and reorders messages, Automation jobs that follow random plans, and
 * crashes between "state saved" and "effect done". Time only moves through the ManualClock; events due at the same
 * moment are started together, so coordinators really race on the target's ETag.
 */

export const SIM_TARGET_ID = 'sim';
/** Every simulated state lifetime gets this epoch, so the checks can name the jobs of each run. */
export const SIM_EPOCH = '5eed0001';
const SIM_START = Date.UTC(2026, 0, 5, 8, 0, 0);

/** A request as an intake would hand it to the coordinator. Every request is delivered until it succeeds. */
export interface SimRequest {
    readonly requestId: string;
    /** Offset from the simulation start. */
    readonly atMs: number;
    readonly changeCount: number;
    readonly urgent: boolean;
    readonly policy: SyncPolicy;
    /** Extra deliveries of the same request id, as offsets after the first (Service Bus redelivery, HTTP retry). */
    readonly duplicateAfterMs: readonly number[];
}

/** Fault rates, each the chance of one fault per opportunity; `maxFaults` bounds their total so the run drains. */
export interface SimFaults {
    readonly dropWake: number;
    readonly duplicateWake: number;
    readonly lateWake: number;
    readonly crashAfterSave: number;
    readonly crashBeforeEffect: number;
    readonly createFailure: number;
    readonly maxFaults: number;
}

export const NO_FAULTS: SimFaults = {
    dropWake: 0,
    duplicateWake: 0,
    lateWake: 0,
    crashAfterSave: 0,
    crashBeforeEffect: 0,
    createFailure: 0,
    maxFaults: 0,
};

export interface SimSchedule {
    /** Seeds the simulation's own choices (faults, which coordinator takes an event, interleaving). */
    readonly seed: number;
    readonly timing: TargetTiming;
    readonly coordinators: number;
    readonly reconcilePeriodMs: number;
    readonly requests: readonly SimRequest[];
    /** Job behaviours, taken in order of job creation and reused cyclically. */
    readonly plans: readonly JobPlan[];
    readonly faults: SimFaults;
    /** Largest extra delay of a late wake delivery. */
    readonly maxWakeLatenessMs: number;
    /** Largest number of microtask turns a store call is held, to vary interleavings. */
    readonly maxYields?: number;
    /** Coordinator group-commit batch size (1 = naive baseline). */
    readonly maxBatch?: number;
}

/** One injected fault, with when it happened. */
interface SimFault {
    readonly at: number;
    readonly kind:
        'dropWake' | 'lateWake' | 'crashAfterSave' | 'crashBeforeEffect' | 'createFailure' | 'lostRedelivery';
}

export interface SimResult {
    readonly schedule: SimSchedule;
    readonly endedAt: number;
    /** Whether the target went idle with every request merged before the time limit. */
    readonly drained: boolean;
    readonly finalState: TargetState;
    /** Every finished run, by seq, from the run store and from every saved history. */
    readonly runs: ReadonlyMap<number, RunSummary>;
    /** When the engine saw each run end (`RunSummary.endedAt` is its job's own end, which can be earlier). */
    readonly runSeenAt: ReadonlyMap<number, number>;
    /** The seqs the run store holds. */
    readonly storedRunSeqs: ReadonlySet<number>;
    /**
     * Per request id: the seq every successful delivery returned, and when it was accepted: the first save that
     * held it, or its first delivery attempt when the save's bounded memory of request ids could not show it.
     */
    readonly merged: ReadonlyMap<string, { readonly seqs: readonly number[]; readonly mergedAt: number | null }>;
    readonly jobs: MemoryAutomationJobs;
    readonly faults: readonly SimFault[];
    /** Problems seen while states were saved (a run or window replaced without finishing). */
    readonly stateViolations: readonly string[];
    /** Per job name: how many stop requests the engine decided (saved), whether or not they were performed. */
    readonly stopsDecided: ReadonlyMap<string, number>;
    readonly wakeScheduleCalls: number;
    readonly automationCalls: number;
    readonly telemetry: MemoryTelemetry;
    readonly coordinatorStats: { loads: number; saves: number; conflicts: number };
}

/**
 * The simulation's seeded generator (mulberry32, src/adapters/simulatedConnect/random.ts) as a bare function: same seed, same
 * faults and interleavings.
 * @param seed - any 32-bit integer
 */
export function seededRandom(seed: number): () => number {
    const random = simulationRandom(seed);
    return () => random.next();
}

class SimulatedCrash extends Error {
    constructor(where: string) {
        super(`Simulated crash ${where}`);
        this.name = 'SimulatedCrash';
    }
}

/** Holds a call for a few microtask turns, so concurrent coordinators interleave differently per seed. */
async function yieldTurns(turns: number): Promise<void> {
    for (let i = 0; i < turns; i++) await Promise.resolve();
}

/**
 * The shared store, watched: it records when each request id was first saved, every run summary that ever
 * appeared in a saved history, and violations of "one run at a time" visible in consecutive saved states.
 */
export class WatchedStore implements TargetStateStore {
    readonly firstSavedAt = new Map<string, number>();
    readonly runsSeen = new Map<number, RunSummary>();
    /** When each run first appeared in a saved history: the moment the engine saw it end (its job ended earlier). */
    readonly runSeenAt = new Map<number, number>();
    readonly violations: string[] = [];
    loads = 0;
    saves = 0;
    private last: TargetState | null = null;

    constructor(
        readonly inner: MemoryTargetStateStore,
        private readonly clock: ManualClock,
        private readonly turns: () => number,
    ) {}

    async load(targetId: string): Promise<StoredTargetState | null> {
        await yieldTurns(this.turns());
        this.loads++;
        return this.inner.load(targetId);
    }

    async save(state: TargetState, etag: string | null): Promise<string> {
        await yieldTurns(this.turns());
        const saved = await this.inner.save(state, etag);
        this.saves++;
        this.observe(state);
        return saved;
    }

    putRun(run: RunSummary): Promise<void> {
        return this.inner.putRun(run);
    }

    getRun(targetId: string, seq: number): Promise<RunSummary | null> {
        return this.inner.getRun(targetId, seq);
    }

    private observe(state: TargetState): void {
        const now = this.clock.now();
        for (const r of state.recentRequests)
            if (!this.firstSavedAt.has(r.requestId)) this.firstSavedAt.set(r.requestId, now);
        for (const run of state.history) {
            if (this.runsSeen.has(run.seq)) continue;
            this.runsSeen.set(run.seq, run);
            this.runSeenAt.set(run.seq, now);
        }
        const previous = this.last;
        this.last = state;
        if (previous === null) return;
        const finished = (seq: number) => state.history.some((h) => h.seq === seq) || this.runsSeen.has(seq);
        const inFlight = (seq: number) => state.runs?.ahead.seq === seq || state.runs?.queued?.seq === seq;
        // A run leaves the target only by finishing; the one queued behind may move up to be the run ahead.
        const [ahead, queued] = [state.runs?.ahead ?? null, state.runs?.queued ?? null];
        const wasQueued = previous.runs?.queued ?? null;
        for (const run of [previous.runs?.ahead ?? null, wasQueued]) {
            if (run !== null && !inFlight(run.seq) && !finished(run.seq)) {
                this.violations.push(`run ${run.seq} was replaced by ${String(ahead?.seq)} without finishing`);
            }
        }
        if (wasQueued !== null && queued?.seq !== wasQueued.seq && ahead?.seq !== wasQueued.seq) {
            if (!finished(wasQueued.seq)) this.violations.push(`queued run ${wasQueued.seq} vanished`);
        }
        if (previous.window !== null && state.window?.seq !== previous.window.seq) {
            const seq = previous.window.seq;
            if (!inFlight(seq) && !finished(seq)) this.violations.push(`window ${seq} vanished without a run`);
        }
        if (state.nextSeq < previous.nextSeq) this.violations.push(`nextSeq went back from ${previous.nextSeq}`);
    }
}

/** Forwards wakes to the in-memory queue, losing, duplicating or delaying some of them. */
class FaultyWakes implements WakeScheduler {
    calls = 0;

    constructor(
        private readonly queue: MemoryWakeScheduler,
        private readonly fault: (kind: SimFault['kind']) => boolean,
        private readonly chance: (p: number) => boolean,
        private readonly faults: SimFaults,
        private readonly lateness: () => number,
    ) {}

    async schedule(wake: WakeMessage): Promise<string> {
        this.calls++;
        if (this.chance(this.faults.dropWake) && this.fault('dropWake')) return 'lost';
        const at = this.chance(this.faults.lateWake) && this.fault('lateWake') ? wake.at + this.lateness() : wake.at;
        const id = await this.queue.schedule({ ...wake, at });
        // A duplicate is not a fault the engine needs repairing from, so it is not counted against the budget.
        if (this.chance(this.faults.duplicateWake)) await this.queue.schedule({ ...wake, at: at + this.lateness() });
        return id;
    }
}

/** Automation jobs whose creation sometimes fails transiently (throttling, 5xx). */
class FaultyJobs extends MemoryAutomationJobs {
    constructor(
        clock: ManualClock,
        planFor: () => JobPlan,
        private readonly failCreate: () => boolean,
    ) {
        super(clock, planFor);
    }

    override createJob(
        target: AutomationTarget,
        jobName: string,
        parameters: SyncJobParameters,
    ): Promise<JobObservation> {
        if (this.failCreate()) this.failNextCreates(1, 'transient');
        return super.createJob(target, jobName, parameters);
    }
}

type AgendaItem =
    | { readonly at: number; readonly kind: 'intake'; readonly request: SimRequest }
    | { readonly at: number; readonly kind: 'wake'; readonly token: string };

/** Runs one schedule to the end and returns everything the checks need. */
export async function simulate(schedule: SimSchedule, horizonMs = 7 * 24 * 3_600_000): Promise<SimResult> {
    const random = seededRandom(schedule.seed);
    const chance = (p: number) => p > 0 && random() < p;
    const pick = <T>(items: readonly T[]): T => {
        const item = items[Math.floor(random() * items.length)];
        if (item === undefined) throw new Error('pick from an empty list');
        return item;
    };
    const clock = new ManualClock(SIM_START);
    const faults: SimFault[] = [];
    const fault = (kind: SimFault['kind']): boolean => {
        if (faults.length >= schedule.faults.maxFaults) return false;
        faults.push({ at: clock.now(), kind });
        return true;
    };
    const maxYields = schedule.maxYields ?? 3;
    const store = new WatchedStore(new MemoryTargetStateStore(), clock, () => Math.floor(random() * (maxYields + 1)));
    const queue = new MemoryWakeScheduler();
    const wakes = new FaultyWakes(queue, fault, chance, schedule.faults, () =>
        Math.floor(random() * (schedule.maxWakeLatenessMs + 1)),
    );
    let jobsCreated = 0;
    const jobs = new FaultyJobs(
        clock,
        () => {
            const plan = schedule.plans[jobsCreated++ % Math.max(1, schedule.plans.length)];
            return (
                plan ?? { pickupDelayMs: 1000, durationMs: 30_000, report: { outcome: 'Succeeded', exportErrors: 0 } }
            );
        },
        () => chance(schedule.faults.createFailure) && fault('createFailure'),
    );
    const telemetry = new MemoryTelemetry();
    const target: Target = {
        targetId: SIM_TARGET_ID,
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        resourceGroup: 'rg',
        automationAccount: 'aa-sim',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
        timing: schedule.timing,
    };
    const stopsDecided = new Map<string, number>();
    const crashes: CoordinatorFaults = {
        afterSave: (_targetId: string, effects: readonly Effect[]) => {
            for (const e of effects) {
                if (e.type === 'stopJob') stopsDecided.set(e.jobName, (stopsDecided.get(e.jobName) ?? 0) + 1);
            }
            if (chance(schedule.faults.crashAfterSave) && fault('crashAfterSave'))
                throw new SimulatedCrash('after save');
        },
        beforeEffect: (_targetId: string, effect: Effect) => {
            if (effect.type === 'emit') return;
            if (chance(schedule.faults.crashBeforeEffect) && fault('crashBeforeEffect')) {
                throw new SimulatedCrash(`before ${effect.type}`);
            }
        },
    };
    const coordinators: Coordinator[] = [];
    for (let i = 0; i < Math.max(1, schedule.coordinators); i++) {
        coordinators.push(
            createCoordinator({
                store,
                wakes,
                jobs,
                telemetry,
                clock,
                targets: new Map([[SIM_TARGET_ID, target]]),
                faults: crashes,
                backoff: () => Promise.resolve(),
                newEpoch: () => SIM_EPOCH,
                ...(schedule.maxBatch === undefined ? {} : { maxBatch: schedule.maxBatch }),
            }),
        );
    }

    const agenda: AgendaItem[] = [];
    for (const request of schedule.requests) {
        agenda.push({ at: SIM_START + request.atMs, kind: 'intake', request });
        for (const after of request.duplicateAfterMs) {
            agenda.push({ at: SIM_START + request.atMs + after, kind: 'intake', request });
        }
    }
    const merged = new Map<string, number[]>();
    const firstAttemptAt = new Map<string, number>();
    const delivered = new Set<string>();
    let nextReconcile = SIM_START + schedule.reconcilePeriodMs;
    const deadline = SIM_START + horizonMs;

    async function deliverIntake(request: SimRequest): Promise<void> {
        if (!firstAttemptAt.has(request.requestId)) firstAttemptAt.set(request.requestId, clock.now());
        try {
            const seq = await pick(coordinators).acceptChanges(SIM_TARGET_ID, {
                type: 'changesAccepted',
                requestId: request.requestId,
                correlationId: `corr-${request.requestId}`,
                changeCount: request.changeCount,
                urgentCount: request.urgent ? request.changeCount : 0,
                policy: request.policy,
                kinds: { [request.urgent ? 'joiner' : 'attribute']: request.changeCount },
            });
            merged.set(request.requestId, [...(merged.get(request.requestId) ?? []), seq]);
            delivered.add(request.requestId);
        } catch {
            // The caller saw a failure: Service Bus redelivers, an HTTP client retries.
            agenda.push({ at: clock.now() + 1000 + Math.floor(random() * 30_000), kind: 'intake', request });
        }
    }

    async function deliverWake(token: string): Promise<void> {
        try {
            await pick(coordinators).onWake(SIM_TARGET_ID, token);
        } catch {
            // Service Bus redelivers an abandoned message, up to its delivery count; sometimes it is gone.
            if (chance(0.5) || !fault('lostRedelivery')) agenda.push({ at: clock.now() + 1000, kind: 'wake', token });
        }
    }

    async function reconcileTick(): Promise<void> {
        try {
            await pick(coordinators).reconcile(SIM_TARGET_ID);
        } catch {
            // The next tick tries again.
        }
    }

    const isIdle = async (): Promise<boolean> => {
        const state = await coordinators[0]?.readState(SIM_TARGET_ID);
        return state !== undefined && state.window === null && state.runs === null;
    };

    let drained = false;
    for (let guard = 0; guard < 200_000; guard++) {
        const now = clock.now();
        const work: Promise<void>[] = [];
        for (let i = agenda.length - 1; i >= 0; i--) {
            const item = agenda[i];
            if (item === undefined || item.at > now) continue;
            agenda.splice(i, 1);
            work.push(item.kind === 'intake' ? deliverIntake(item.request) : deliverWake(item.token));
        }
        const due = queue.takeDue(now);
        // Reordered delivery: messages due together arrive in any order, to any instance.
        due.sort(() => random() - 0.5);
        for (const wake of due) work.push(deliverWake(wake.token));
        if (now >= nextReconcile) {
            nextReconcile += schedule.reconcilePeriodMs;
            work.push(reconcileTick());
        }
        if (work.length > 0) {
            await Promise.all(work);
            continue;
        }
        const allDelivered = schedule.requests.every((r) => delivered.has(r.requestId));
        const intakesLeft = agenda.some((a) => a.kind === 'intake');
        if (allDelivered && !intakesLeft && (await isIdle())) {
            drained = true;
            break;
        }
        const next = Math.min(nextReconcile, queue.nextAt() ?? Number.POSITIVE_INFINITY, ...agenda.map((a) => a.at));
        if (next > deadline) break;
        clock.set(next);
    }

    const finalState = await store.inner.load(SIM_TARGET_ID);
    const runs = new Map<number, RunSummary>(store.runsSeen);
    const stored = store.inner.listRuns(SIM_TARGET_ID);
    for (const run of stored) runs.set(run.seq, run);
    const mergedInfo = new Map<string, { seqs: number[]; mergedAt: number | null }>();
    for (const request of schedule.requests) {
        mergedInfo.set(request.requestId, {
            seqs: merged.get(request.requestId) ?? [],
            // The engine remembers only the last MERGED_REQUEST_LIMIT request ids, so a save of a larger batch
            // cannot show them all; the first delivery attempt is then the (earlier, so weaker) stand-in.
            mergedAt: store.firstSavedAt.get(request.requestId) ?? firstAttemptAt.get(request.requestId) ?? null,
        });
    }
    const totals = coordinators.map((c) => c.stats());
    return {
        schedule,
        endedAt: clock.now(),
        drained,
        finalState: finalState?.state ?? emptyTargetState(SIM_TARGET_ID, SIM_EPOCH),
        runs,
        runSeenAt: store.runSeenAt,
        storedRunSeqs: new Set(stored.map((r) => r.seq)),
        merged: mergedInfo,
        jobs,
        faults,
        stateViolations: store.violations,
        stopsDecided,
        wakeScheduleCalls: wakes.calls,
        automationCalls: jobs.calls,
        telemetry,
        coordinatorStats: {
            loads: totals.reduce((s, t) => s + t.loads, 0),
            saves: totals.reduce((s, t) => s + t.saves, 0),
            conflicts: totals.reduce((s, t) => s + t.conflicts, 0),
        },
    };
}

/** The job of one attempt of one run, if it was ever created. */
export function jobOf(result: SimResult, seq: number, attempt: number): MemoryJob | undefined {
    const name = jobNameFor(SIM_TARGET_ID, SIM_EPOCH, seq, attempt);
    return [...result.jobs.jobs.values()].find((j) => j.jobName === name);
}

/*
 * The six guarantees of DESIGN.md §3, checked on a finished simulation. Each check returns the violations it
 * found, in words, so a failing property prints what went wrong next to its seed.
 */

/**
 * 1. Single flight: no two cycles of the target overlap, and no run was replaced in state before it finished.
 * One documented exception: after stopGrace the engine frees a target whose job never confirmed a stop. In the
 * simulation a stop that reaches Automation always works, so an overlap is excused only when every stop request
 * was lost to injected crashes and the engine had kept repeating it (more than one request decided).
 */
function checkSingleFlight(result: SimResult): string[] {
    const problems = [...result.stateViolations];
    const runOfJob = new Map<string, RunSummary>();
    for (const run of result.runs.values()) {
        for (let attempt = 1; attempt <= run.attempts; attempt++) {
            runOfJob.set(jobNameFor(SIM_TARGET_ID, SIM_EPOCH, run.seq, attempt), run);
        }
    }
    const excused = (job: MemoryJob): boolean =>
        job.stoppedAt === null &&
        runOfJob.get(job.jobName)?.report.stop === 'unconfirmed' &&
        (result.stopsDecided.get(job.jobName) ?? 0) > 1;
    const maxJobs = 1 + result.schedule.timing.maxWaitingJobs;
    for (const job of result.jobs.jobs.values()) {
        // The Connect server runs one cycle at a time (the runbook waits for a running one): by construction of
        // the memory jobs, as on the server. What the engine must keep: at most one job ahead and one queued.
        // A create whose answer was lost before the run gave up (StartFailed) leaves a job the engine never knew;
        // the server still runs it one cycle at a time, and the engine cannot count what it never heard of.
        const inFlight = result.jobs
            .inFlightAt(SIM_TARGET_ID, job.createdAt)
            .filter((j) => j === job || runOfJob.get(j.jobName)?.report.outcome !== 'StartFailed');
        if (inFlight.length > maxJobs && !inFlight.some((other) => other !== job && excused(other))) {
            problems.push(
                `${inFlight.length} jobs in flight (${inFlight.map((j) => j.jobName).join(', ')}) at +${job.createdAt - SIM_START} ms`,
            );
        }
    }
    // When a window closes into a run, the runs already in flight (closed, not ended) are at most the queued slots
    // left: none without a queued run allowed, one with. Counted, not ordered: a retried run may outlive the next.
    const runs = [...result.runs.values()].sort((a, b) => a.seq - b.seq);
    for (const run of runs) {
        const others = runs.filter(
            (q) => q !== run && q.windowClosedAt <= run.windowClosedAt && run.windowClosedAt < q.endedAt,
        );
        if (others.length > result.schedule.timing.maxWaitingJobs) {
            problems.push(`run ${run.seq} closed while runs ${others.map((q) => q.seq).join(', ')} were in flight`);
        }
    }
    return problems;
}

/**
 * 2. Coverage: the simulation drained, every request was merged, and its run either created its job after the
 * request was saved or ended failed/skipped with a reason. Every window became a run.
 */
function checkCoverage(result: SimResult): string[] {
    const problems: string[] = [];
    if (!result.drained) {
        const s = result.finalState;
        problems.push(
            `did not drain: window ${String(s.window?.seq)}, run ${String(s.runs?.ahead.seq)} ${String(s.runs?.ahead.phase)}`,
        );
    }
    for (const [requestId, { seqs, mergedAt }] of result.merged) {
        const seq = seqs[0];
        if (seq === undefined || mergedAt === null) {
            problems.push(`request ${requestId} was never merged`);
            continue;
        }
        const covering = coveringRun(result, seq, mergedAt);
        const run = covering === null ? undefined : result.runs.get(covering);
        if (covering === null || run === undefined) {
            problems.push(`request ${requestId} (seq ${seq}) has no finished run`);
            continue;
        }
        const outcome = classifyOutcome(run.report.outcome);
        if (outcome === 'succeeded' || outcome === 'partiallySucceeded') {
            const last = jobOf(result, covering, run.attempts);
            // Covered by causality (the job was created after the request) or by evidence (its import started after).
            const importStartedAt = run.report?.importStartedAt ?? null;
            if (last === undefined) problems.push(`run ${covering} succeeded without a job`);
            else if (last.createdAt < mergedAt && (importStartedAt === null || importStartedAt <= mergedAt)) {
                problems.push(
                    `run ${covering} did not cover request ${requestId}: its import started before it arrived`,
                );
            }
        } else if (run.report.reason === null || run.report.reason === '') {
            problems.push(`run ${covering} ended ${run.report.outcome} without a reason`);
        }
    }
    for (let seq = 1; seq < result.finalState.nextSeq; seq++) {
        if (!result.runs.has(seq)) problems.push(`window ${seq} never became a finished run`);
    }
    return problems;
}

/** The run that covered a request merged into `seq` at `mergedAt`: that run, or the one its changes were carried to. */
function coveringRun(result: SimResult, seq: number, mergedAt: number): number | null {
    let covering = seq;
    for (let hops = 0; hops < 50; hops++) {
        const carried = result.runs.get(covering)?.carried ?? null;
        if (carried === null || carried.to <= covering) return covering;
        // The engine carries by arrival (merge) time; a request merged before `from` stayed.
        if (mergedAt < carried.from) return covering;
        covering = carried.to;
    }
    return null;
}

/**
 * 3. Bounded latency. The first job of window w is created no later than
 *
 *     max( closeBy(w), spacingBase(w-1) + minSpacing, seenEnd(w-1) ) + faults(w) × repair
 *
 * where closeBy(w) = min(firstChange + maxWait, firstUrgent + urgentMaxWait): the window's own deadline;
 * spacingBase is when the previous run last started (its window close, or a BusyTimeout retry's start);
 * seenEnd(w-1) is when the engine saw the previous run end (the "run in progress" term, including its poll
 * delay, runTimeout and stopGrace when the job hung); and each fault injected from one linger horizon before the
 * first change until the job's creation (lost or late wake, crash after a save or before an effect, lost
 * redelivery, failed create) costs at most one repair. The linger horizon: a lost wake stays pending in state
 * (and, being earlier than anything due, stops newer wakes from being scheduled) until the reconcile timer
 * clears it; a pending wake is never later than the next due moment, which is at most
 * max(maxWait, minSpacing, pollMaxInterval) after the decision that scheduled it. One repair: the effect is re-issued at its due time + pollInterval, the reconcile timer notices
 * a lost wake LOST_WAKE_GRACE_MS after it was due and runs every reconcile period, a late wake is at most
 * maxWakeLateness late, and a failed create backs off at most pollMaxInterval. Without faults the bound is exact
 * (zero slack): the wake arrives at the due moment and the job is created in the same step.
 */
export function checkLatency(result: SimResult): string[] {
    const problems: string[] = [];
    const { timing, reconcilePeriodMs, maxWakeLatenessMs } = result.schedule;
    const repair = timing.pollIntervalMs + LOST_WAKE_GRACE_MS + reconcilePeriodMs + maxWakeLatenessMs;
    const perFault =
        repair + Math.max(timing.pollMaxIntervalMs, backoffDelay(timing.startRetryBudget, jobCreateBackoff(timing)));
    // A pending wake is never later than the next due moment, which is at most this far ahead of any decision.
    const furthestDue = Math.max(timing.maxWaitMs, timing.minSpacingMs, timing.pollMaxIntervalMs);
    const linger = furthestDue + repair;
    const runs = [...result.runs.values()];
    for (const run of runs) {
        const job = jobOf(result, run.seq, 1);
        if (job === undefined) continue;
        const closeBy = Math.min(
            run.firstChangeAt + timing.maxWaitMs,
            run.tally.firstUrgentAt === null
                ? Number.POSITIVE_INFINITY
                : run.tally.firstUrgentAt + timing.urgentMaxWaitMs,
        );
        // Changes carried into the window arrived before it opened but could not close it before they were carried.
        const seenEnd = (r: RunSummary): number => result.runSeenAt.get(r.seq) ?? r.endedAt;
        const carriedAt = runs.filter((r) => r.carried?.to === run.seq).map(seenEnd);
        const earlier = runs.filter((r) => r.seq < run.seq);
        // A window closes into a run once a slot is free: with a queued run allowed, once at most one earlier run is
        // still in flight (after the second-latest end); without, once every earlier run has ended.
        const ends = earlier.map(seenEnd).sort((a, b) => b - a);
        const slotFree = ends[Math.min(timing.maxWaitingJobs, ends.length - 1)] ?? Number.NEGATIVE_INFINITY;
        // And minSpacing after the latest start the engine spaced from: a window close, a retry's job, or the
        // NotBefore a queued job was given.
        const spacingBase = Math.max(Number.NEGATIVE_INFINITY, ...earlier.map((r) => spacingBaseOf(result, r)));
        let bound = Math.max(closeBy, ...carriedAt, slotFree, spacingBase + timing.minSpacingMs);
        // A lost wake lingers until the reconcile timer repairs it, and while it is pending (and earlier than
        // anything due) no newer wake is scheduled, so a fault can delay windows that open after it: count every
        // fault from one linger horizon before the window's first change.
        const since = run.firstChangeAt - linger;
        const faults = result.faults.filter((f) => f.at >= since && f.at <= job.createdAt).length;
        bound += faults * perFault;
        if (job.createdAt > bound) {
            problems.push(
                `window ${run.seq}: job created at +${job.createdAt - SIM_START} ms, bound +${bound - SIM_START} ms (${faults} faults)`,
            );
        }
    }
    return problems;
}

/** The latest moment a run's start was spaced from: its window's close, its last job, or that job's NotBefore. */
function spacingBaseOf(result: SimResult, run: RunSummary): number {
    const last = run.attempts > 1 ? jobOf(result, run.seq, run.attempts) : undefined;
    const first = jobOf(result, run.seq, 1);
    const notBefore = [first, last].map((j) =>
        j?.parameters.NotBefore === undefined ? 0 : Date.parse(j.parameters.NotBefore),
    );
    const retried = run.attempts > 1 ? (last?.createdAt ?? run.endedAt) : run.windowClosedAt;
    return Math.max(run.windowClosedAt, retried, ...notBefore);
}

/**
 * The most wake-ups and Automation calls one window may cost, from timing alone (never from the number of
 * changes). Wakes: a debounce re-evaluation at most every half quiet period until maxWait (two firings advance
 * the close by more than `quiet`), the urgent shortening, then per attempt: the start, start retries, and one
 * poll per pollInterval until runTimeout + stopGrace. Automation calls: per attempt one create per start try,
 * the polls, and the stop with its repeats (one per poll during stopGrace).
 */
export function perWindowBudget(timing: TargetTiming): { wakes: number; automationCalls: number } {
    const debounce = 2 * Math.ceil(timing.maxWaitMs / Math.max(1, timing.quietMs)) + 3;
    // A queued run is polled while it waits for the run ahead too, which may last as long as its own.
    const lifetimes = 1 + timing.maxWaitingJobs;
    const polls = Math.ceil((lifetimes * (timing.runTimeoutMs + timing.stopGraceMs)) / timing.pollIntervalMs) + 2;
    const perAttempt = timing.startRetryBudget + 2 + polls;
    return {
        wakes: debounce + timing.maxRunAttempts * perAttempt,
        // Plus the stop, repeated with each poll while stopping.
        automationCalls:
            timing.maxRunAttempts * (perAttempt + 2 + Math.ceil(timing.stopGraceMs / timing.pollIntervalMs)),
    };
}

/** 4. O(1) per window: wake-ups and Automation calls stay within the per-window budget (plus repairs). */
function checkPerWindowCost(result: SimResult): string[] {
    const windows = Math.max(1, result.finalState.nextSeq - 1);
    const budget = perWindowBudget(result.schedule.timing);
    // Each repair may schedule one more wake and repeat one Automation call.
    const repairs = result.faults.length + 1;
    const problems: string[] = [];
    if (result.wakeScheduleCalls > windows * budget.wakes + repairs * 2) {
        problems.push(`${result.wakeScheduleCalls} wakes for ${windows} windows (budget ${budget.wakes} each)`);
    }
    if (result.automationCalls > windows * budget.automationCalls + repairs * 2) {
        problems.push(`${result.automationCalls} Automation calls for ${windows} windows`);
    }
    return problems;
}

/** 5. At-least-once safe: every delivery of a request id got the same window, and counts add up exactly once. */
function checkAtLeastOnce(result: SimResult): string[] {
    const problems: string[] = [];
    let expectedChanges = 0;
    for (const request of result.schedule.requests) {
        expectedChanges += request.changeCount;
        const seqs = result.merged.get(request.requestId)?.seqs ?? [];
        if (new Set(seqs).size > 1) problems.push(`request ${request.requestId} got windows ${seqs.join(', ')}`);
    }
    const runs = [...result.runs.values()];
    const changes = runs.reduce((sum, r) => sum + r.tally.changeCount, 0);
    const requests = runs.reduce((sum, r) => sum + r.tally.requestCount, 0);
    if (result.drained && changes !== expectedChanges) {
        problems.push(`runs carry ${changes} changes, ${expectedChanges} were accepted`);
    }
    if (result.drained && requests !== result.schedule.requests.length) {
        problems.push(`runs carry ${requests} requests, ${result.schedule.requests.length} were accepted`);
    }
    return problems;
}

/** 6. Self-healing: with faults injected, the target still drains and no window is left behind. */
function checkSelfHealing(result: SimResult): string[] {
    const s = result.finalState;
    const problems: string[] = [];
    if (s.window !== null || s.runs !== null) problems.push('work left after the simulation drained');
    return problems;
}

/** All six guarantees; an empty list means the schedule kept them. */
export function checkAllGuarantees(result: SimResult): string[] {
    return [
        ...checkSingleFlight(result).map((p) => `single flight: ${p}`),
        ...checkCoverage(result).map((p) => `coverage: ${p}`),
        ...checkLatency(result).map((p) => `latency: ${p}`),
        ...checkPerWindowCost(result).map((p) => `O(1): ${p}`),
        ...checkAtLeastOnce(result).map((p) => `at-least-once: ${p}`),
        ...checkSelfHealing(result).map((p) => `self-healing: ${p}`),
    ];
}
