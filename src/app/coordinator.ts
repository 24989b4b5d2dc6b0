import { backoffDelay, SAVE_CONFLICT_BACKOFF } from '../domain/backoff';
import { decide } from '../domain/decide';
import type { ChangesAccepted, Effect, EngineInput, MergeRefusal } from '../domain/decision';
import type { Target } from '../domain/target';
import { emptyTargetState, type RunSummary, type TargetState } from '../domain/targetState';
import { ensureError, isConcurrencyConflict } from '../errors';
import type { AutomationJobs } from '../ports/automationJobs';
import type { Clock } from '../ports/clock';
import { type Logger, silentLogger } from '../ports/logger';
import type { TargetStateStore } from '../ports/targetStateStore';
import type { Telemetry } from '../ports/telemetry';
import type { WakeScheduler } from '../ports/wakeScheduler';
import { type EffectDeps, performEffect, targetOf } from './jobEffects';
import { newEpoch } from './jobName';
import { createTargetLanes } from './targetLanes';

/** What the engine did with a request's changes: merged into a window, or refused (nothing changed). */
type MergeResult =
    { readonly kind: 'merged'; readonly seq: number } | { readonly kind: 'refused'; readonly refusal: MergeRefusal };

/** The engine's answer to one input: a merge result for accepted changes, nothing for other inputs. */
type Verdict = MergeResult | { readonly kind: 'none' };

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
    acceptChanges(targetId: string, input: ChangesAccepted): Promise<number>;
    /**
     * Merges a request's changes into the target's window, or reports the engine's refusal (the Initial limit,
     * decided under the ETag together with the merge).
     */
    mergeChanges(targetId: string, input: ChangesAccepted): Promise<MergeResult>;
    /** A wake-up message for the target arrived. */
    onWake(targetId: string, token: string): Promise<void>;
    /** The reconcile timer: repairs lost wake-ups, stale polls and crashed steps. */
    reconcile(targetId: string): Promise<void>;
    readState(targetId: string): Promise<TargetState>;
    getRun(targetId: string, seq: number): Promise<RunSummary | null>;
    stats(): Readonly<CoordinatorStats>;
}

/** The epoch a reader sees for a target never saved; no job is ever named with it. */
const UNSAVED_EPOCH = 'unsaved';

/** Gives up after this many follow-up rounds in one step; the next wake continues. */
const MAX_FOLLOW_UP_ROUNDS = 8;

/** Waits before saving again after a lost ETag race, with jitter so racing instances spread out. */
function defaultBackoff(attempt: number): Promise<void> {
    const delay = backoffDelay(attempt, SAVE_CONFLICT_BACKOFF) * (0.5 + Math.random());
    return new Promise((resolve) => setTimeout(resolve, delay));
}

/**
 * Creates the coordinator. Inputs for one target are serialised in-process and merged into one save when they
 * arrive together (group commit, see `createTargetLanes`); across processes the ETag keeps it correct.
 * @param deps - the ports and settings
 */
export function createCoordinator(deps: CoordinatorDeps): Coordinator {
    const stats: CoordinatorStats = {
        loads: 0,
        saves: 0,
        conflicts: 0,
        batches: 0,
        inputs: 0,
        effects: 0,
        effectFailures: 0,
    };
    const effects: EffectDeps = { ...deps, log: deps.log ?? silentLogger };
    const steps = stepper(deps, effects, stats);
    const lanes = createTargetLanes(steps, deps.maxBatch ?? 500);
    const submit = (targetId: string, input: EngineInput): Promise<Verdict> => {
        targetOf(deps.targets, targetId);
        return lanes.submit(targetId, input);
    };
    const merge = async (targetId: string, input: ChangesAccepted): Promise<MergeResult> => {
        const verdict = await submit(targetId, input);
        if (verdict.kind === 'none') throw new Error('The engine assigned no window to accepted changes');
        return verdict;
    };
    return {
        async acceptChanges(targetId, input) {
            const verdict = await merge(targetId, input);
            if (verdict.kind !== 'merged') throw new Error('The engine refused the accepted changes');
            return verdict.seq;
        },
        mergeChanges: merge,
        async onWake(targetId, token) {
            await submit(targetId, { type: 'wake', token });
        },
        async reconcile(targetId) {
            await submit(targetId, { type: 'wake', token: null });
        },
        async readState(targetId) {
            targetOf(deps.targets, targetId);
            const loaded = await deps.store.load(targetId);
            // Never saved: what a reader sees is the empty state; its epoch is chosen when the first step saves it.
            return loaded?.state ?? emptyTargetState(targetId, UNSAVED_EPOCH);
        },
        getRun: (targetId, seq) => deps.store.getRun(targetId, seq),
        stats: () => ({ ...stats }),
    };
}

/** One load-decide-save of a batch, then its effects and the inputs they produce, for a few rounds. */
function stepper(deps: CoordinatorDeps, effects: EffectDeps, stats: CoordinatorStats) {
    const save = saver(deps, stats);
    const perform = performer(deps, effects, stats);
    return async (targetId: string, inputs: readonly EngineInput[]): Promise<Verdict[]> => {
        const first = await save(targetId, inputs);
        let followUps = await perform(targetId, first.effects);
        for (let round = 0; followUps.length > 0 && round < MAX_FOLLOW_UP_ROUNDS; round++) {
            const next = await save(targetId, followUps);
            followUps = await perform(targetId, next.effects);
        }
        return first.verdicts;
    };
}

/** Loads the state, runs every input through `decide`, saves once with the ETag; reloads and decides again on 412. */
function saver(deps: CoordinatorDeps, stats: CoordinatorStats) {
    const maxSaveAttempts = deps.maxSaveAttempts ?? 50;
    const wait = deps.backoff ?? defaultBackoff;
    const epoch = deps.newEpoch ?? newEpoch;
    return async (targetId: string, inputs: readonly EngineInput[]) => {
        const timing = targetOf(deps.targets, targetId).timing;
        stats.batches++;
        stats.inputs += inputs.length;
        for (let attempt = 1; ; attempt++) {
            stats.loads++;
            const loaded = await deps.store.load(targetId);
            let state = loaded?.state ?? emptyTargetState(targetId, epoch());
            const effects: Effect[] = [];
            const verdicts: Verdict[] = [];
            let changed = false;
            const now = deps.clock.now();
            for (const input of inputs) {
                const decision = decide(state, input, now, timing);
                if (decision.kind === 'refused') {
                    verdicts.push(decision);
                    continue;
                }
                state = decision.state;
                changed ||= decision.changed;
                effects.push(...decision.effects);
                verdicts.push(decision.seq === null ? { kind: 'none' } : { kind: 'merged', seq: decision.seq });
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
                await wait(attempt);
            }
        }
    };
}

/** Performs effects in order; returns the inputs their results produce. Failures never escape. */
function performer(deps: CoordinatorDeps, effects: EffectDeps, stats: CoordinatorStats) {
    return async (targetId: string, toPerform: readonly Effect[]): Promise<EngineInput[]> => {
        const followUps: EngineInput[] = [];
        for (const effect of toPerform) {
            deps.faults?.beforeEffect?.(targetId, effect);
            stats.effects++;
            try {
                followUps.push(...(await performEffect(effects, targetId, effect)));
            } catch (e) {
                stats.effectFailures++;
                // The state is saved: reconcile or the next wake repeats what did not happen.
                effects.log.warn(`Effect ${effect.type} failed for target ${targetId}: ${ensureError(e).message}`);
            }
        }
        return followUps;
    };
}
