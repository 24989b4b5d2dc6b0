import { decide } from '../domain/decide';
import type { Effect, EngineInput, MergeRefusal } from '../domain/decision';
import type { JobObservation } from '../domain/jobObservation';
import type { Target } from '../domain/target';
import { emptyTargetState, LEGACY_EPOCH, type RunSummary, type TargetState } from '../domain/targetState';
import {
    ensureError,
    isConcurrencyConflict,
    isPermanentDependencyError,
    isTransientDependencyError,
    readerReasonOf,
    UnknownTargetError,
} from '../errors';
import type { AutomationJobs } from '../ports/automationJobs';
import type { Clock } from '../ports/clock';
import { traceIdFor } from '../ports/correlation';
import { type Logger, silentLogger } from '../ports/logger';
import type { TargetStateStore } from '../ports/targetStateStore';
import type { Telemetry } from '../ports/telemetry';
import type { WakeScheduler } from '../ports/wakeScheduler';
import { jobNameFor, newEpoch } from './jobName';

export type ChangesAcceptedInput = Extract<EngineInput, { type: 'changesAccepted' }>;

/** What the engine did with a request's changes: merged into a window, or refused (nothing changed). */
type MergeResult =
    { readonly kind: 'merged'; readonly seq: number } | { readonly kind: 'refused'; readonly refusal: MergeRefusal };

/** Test seams for crashes: a hook that throws stops the step there, as a crashed process would. */
export interface CoordinatorFaults {
    /** Called after the state was saved and before any effect is performed. */
    afterSave?(targetId: string, effects: readonly Effect[]): void;
    /** Called before each effect. */
    beforeEffect?(targetId: string, effect: Effect): void;
}

export interface CoordinatorDeps {
    readonly store: TargetStateStore;
    readonly wakes: WakeScheduler;
    readonly jobs: AutomationJobs;
    readonly telemetry: Telemetry;
    readonly clock: Clock;
    readonly targets: ReadonlyMap<string, Target>;
    readonly log?: Logger;
    /** Save attempts per step under ETag conflicts before giving up (the caller then retries). */
    readonly maxSaveAttempts?: number;
    /** Largest number of inputs merged into one save. */
    readonly maxBatch?: number;
    readonly faults?: CoordinatorFaults;
    /** Waits between conflicting saves; injected so tests and benches need no timers. */
    readonly backoff?: (attempt: number) => Promise<void>;
    /** Gives a new target state its epoch (random by default); injected so seeded worlds name jobs alike. */
    readonly newEpoch?: () => string;
}

/** Counters for benchmarks and the status page. */
interface CoordinatorStats {
    loads: number;
    saves: number;
    conflicts: number;
    batches: number;
    inputs: number;
    effects: number;
    effectFailures: number;
}

/** Drives the engine for every target: load, decide, save with ETag, perform effects. */
export interface Coordinator {
    /**
     * Merges a request's changes into the target's window.
     * @returns the seq of the window (and run) that covers them
     */
    acceptChanges(targetId: string, input: ChangesAcceptedInput): Promise<number>;
    /**
     * Merges a request's changes into the target's window, or reports the engine's refusal (the Initial limit,
     * decided under the ETag together with the merge).
     */
    mergeChanges(targetId: string, input: ChangesAcceptedInput): Promise<MergeResult>;
    /** A wake-up message for the target arrived. */
    onWake(targetId: string, token: string): Promise<void>;
    /** The reconcile timer: repairs lost wake-ups, stale polls and crashed steps. */
    reconcile(targetId: string): Promise<void>;
    readState(targetId: string): Promise<TargetState>;
    getRun(targetId: string, seq: number): Promise<RunSummary | null>;
    stats(): Readonly<CoordinatorStats>;
}

/** The engine's answer to one input: a merge result for accepted changes, nothing for other inputs. */
type Verdict = MergeResult | undefined;

function verdictOf(seq: number | undefined, refusal: MergeRefusal | undefined): Verdict {
    if (refusal !== undefined) return { kind: 'refused', refusal };
    return seq === undefined ? undefined : { kind: 'merged', seq };
}

interface Pending {
    readonly input: EngineInput;
    readonly resolve: (verdict: Verdict) => void;
    readonly reject: (e: unknown) => void;
}

interface Lane {
    readonly pending: Pending[];
    draining: boolean;
}

/** Gives up after this many follow-up rounds in one step; the next wake continues. */
const MAX_FOLLOW_UP_ROUNDS = 8;

const defaultBackoff = (attempt: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, Math.min(200, 2 ** attempt) * (0.5 + Math.random())));

/**
 * Creates the coordinator. Inputs for one target are serialised in-process and merged into one save when they
 * arrive together (group commit): under a burst, storage operations grow with batches, not with changes.
 * Across processes the ETag keeps it correct.
 * @param deps - the ports and settings
 */
export function createCoordinator(deps: CoordinatorDeps): Coordinator {
    const log = deps.log ?? silentLogger;
    const maxSaveAttempts = deps.maxSaveAttempts ?? 50;
    const maxBatch = deps.maxBatch ?? 500;
    const backoff = deps.backoff ?? defaultBackoff;
    const epoch = deps.newEpoch ?? newEpoch;
    const lanes = new Map<string, Lane>();
    const stats: CoordinatorStats = {
        loads: 0,
        saves: 0,
        conflicts: 0,
        batches: 0,
        inputs: 0,
        effects: 0,
        effectFailures: 0,
    };

    function target(targetId: string): Target {
        const found = deps.targets.get(targetId);
        if (found === undefined) throw new UnknownTargetError(targetId);
        return found;
    }

    function submit(targetId: string, input: EngineInput): Promise<Verdict> {
        target(targetId);
        let lane = lanes.get(targetId);
        if (lane === undefined) {
            lane = { pending: [], draining: false };
            lanes.set(targetId, lane);
        }
        const promise = new Promise<Verdict>((resolve, reject) => {
            lane.pending.push({ input, resolve, reject });
        });
        if (!lane.draining) void drain(targetId, lane);
        return promise;
    }

    async function drain(targetId: string, lane: Lane): Promise<void> {
        lane.draining = true;
        try {
            while (lane.pending.length > 0) {
                const batch = lane.pending.splice(0, maxBatch);
                try {
                    const verdicts = await step(
                        targetId,
                        batch.map((p) => p.input),
                    );
                    batch.forEach((p, i) => p.resolve(verdicts[i]));
                } catch (e) {
                    for (const p of batch) p.reject(e);
                }
            }
        } finally {
            lane.draining = false;
        }
    }

    /** One load-decide-save of a batch, then its effects and their follow-ups. */
    async function step(targetId: string, inputs: readonly EngineInput[]): Promise<Verdict[]> {
        const { verdicts, effects } = await decideAndSave(targetId, inputs);
        let followUps = await perform(targetId, effects);
        for (let round = 0; followUps.length > 0 && round < MAX_FOLLOW_UP_ROUNDS; round++) {
            const next = await decideAndSave(targetId, followUps);
            followUps = await perform(targetId, next.effects);
        }
        return verdicts;
    }

    async function decideAndSave(
        targetId: string,
        inputs: readonly EngineInput[],
    ): Promise<{ verdicts: Verdict[]; effects: Effect[] }> {
        const timing = target(targetId).timing;
        stats.batches++;
        stats.inputs += inputs.length;
        for (let attempt = 1; ; attempt++) {
            stats.loads++;
            const loaded = await deps.store.load(targetId);
            let state = loaded?.state ?? emptyTargetState(targetId, epoch());
            const effects: Effect[] = [];
            const verdicts: Verdict[] = [];
            let changed = false;
            if (needsEpoch(state)) {
                state = { ...state, epoch: epoch() };
                changed = true;
            }
            const now = deps.clock.now();
            for (const input of inputs) {
                const decision = decide(state, input, now, timing);
                state = decision.state;
                changed ||= decision.changed;
                effects.push(...decision.effects);
                verdicts.push(verdictOf(decision.assignedSeq, decision.refusal));
            }
            if (!changed) return { verdicts, effects };
            try {
                stats.saves++;
                await deps.store.save(state, loaded?.etag ?? null);
                deps.faults?.afterSave?.(targetId, effects);
                return { verdicts, effects };
            } catch (e) {
                if (!isConcurrencyConflict(e) || attempt >= maxSaveAttempts) throw e;
                stats.conflicts++;
                await backoff(attempt);
            }
        }
    }

    /** Performs effects in order; returns the inputs their results produce. Failures never escape. */
    async function perform(targetId: string, effects: readonly Effect[]): Promise<EngineInput[]> {
        const followUps: EngineInput[] = [];
        for (const effect of effects) {
            deps.faults?.beforeEffect?.(targetId, effect);
            stats.effects++;
            try {
                const result = await performOne(targetId, effect);
                if (result !== null) followUps.push(...result);
            } catch (e) {
                stats.effectFailures++;
                // The state is saved: reconcile or the next wake repeats what did not happen.
                log.warn(`Effect ${effect.type} failed for target ${targetId}: ${ensureError(e).message}`);
            }
        }
        return followUps;
    }

    async function performOne(targetId: string, effect: Effect): Promise<EngineInput[] | null> {
        switch (effect.type) {
            case 'emit':
                deps.telemetry.track(effect.event);
                return null;
            case 'scheduleWake':
                await deps.wakes.schedule({ targetId, token: effect.token, at: effect.at });
                return null;
            case 'recordRun':
                await deps.store.putRun(effect.run);
                return null;
            case 'startJob':
                return startJob(targetId, effect);
            case 'observeJob':
                return observeJob(targetId, effect);
            case 'stopJob':
                await deps.jobs.stopJob(target(targetId), effect.jobName);
                return null;
        }
    }

    async function startJob(targetId: string, effect: Extract<Effect, { type: 'startJob' }>): Promise<EngineInput[]> {
        const config = target(targetId);
        const jobName = jobNameFor(targetId, effect.epoch, effect.seq, effect.attempt);
        const { seq, attempt } = effect;
        try {
            const observation = await deps.jobs.createJob(config, jobName, {
                PolicyType: effect.policy,
                // Leave the engine room to read the result before its own timeout stops the job.
                TimeoutSeconds: Math.max(60, Math.floor((config.timing.runTimeoutMs * 0.9) / 1000)),
                CorrelationId: traceIdFor(effect.correlationId),
                // Queued behind the run in progress: the runbook waits for its cycle, and for minSpacing.
                ...(effect.notBefore === null ? {} : { NotBefore: new Date(effect.notBefore).toISOString() }),
            });
            return [{ type: 'jobCreated', seq, attempt, jobName }, ...observedIfMoved(seq, attempt, observation)];
        } catch (e) {
            const transient = !isPermanentDependencyError(e);
            if (!isTransientDependencyError(e) && transient)
                log.error(`Unexpected error creating job ${jobName}`, ensureError(e).message);
            return [{ type: 'jobStartFailed', seq, attempt, transient, reason: readerReasonOf(e) }];
        }
    }

    async function observeJob(
        targetId: string,
        effect: Extract<Effect, { type: 'observeJob' }>,
    ): Promise<EngineInput[]> {
        const { seq, attempt } = effect;
        try {
            const observation = await deps.jobs.getJob(target(targetId), effect.jobName);
            return [{ type: 'jobObserved', seq, attempt, observation }];
        } catch (e) {
            if (!isTransientDependencyError(e) && !isPermanentDependencyError(e))
                log.error(`Unexpected error reading job ${effect.jobName}`, ensureError(e).message);
            return [{ type: 'jobReadFailed', seq, attempt, reason: readerReasonOf(e) }];
        }
    }

    return {
        async acceptChanges(targetId, input) {
            const verdict = await submit(targetId, input);
            if (verdict === undefined || verdict.kind !== 'merged') {
                throw new Error('The engine assigned no window to accepted changes');
            }
            return verdict.seq;
        },
        async mergeChanges(targetId, input) {
            const verdict = await submit(targetId, input);
            if (verdict === undefined) throw new Error('The engine assigned no window to accepted changes');
            return verdict;
        },
        async onWake(targetId, token) {
            await submit(targetId, { type: 'wake', token });
        },
        async reconcile(targetId) {
            await submit(targetId, { type: 'wake', token: null });
        },
        async readState(targetId) {
            target(targetId);
            const loaded = await deps.store.load(targetId);
            return loaded?.state ?? emptyTargetState(targetId, LEGACY_EPOCH);
        },
        getRun: (targetId, seq) => deps.store.getRun(targetId, seq),
        stats: () => ({ ...stats }),
    };
}

/**
 * A state stored before epochs existed gets one, saved under the ETag with whatever the step decides. Not while a
 * run is starting: its create may already have gone out under the old name, and repeating it under a new name
 * would start a second job; once the job exists its name is kept in the run, so the next step migrates.
 */
function needsEpoch(state: TargetState): boolean {
    return state.epoch === LEGACY_EPOCH && state.run?.phase !== 'starting';
}

/** A create that found the job already beyond the queue (a retried create) is also an observation. */
function observedIfMoved(seq: number, attempt: number, observation: JobObservation): EngineInput[] {
    return observation.kind === 'queued' ? [] : [{ type: 'jobObserved', seq, attempt, observation }];
}
