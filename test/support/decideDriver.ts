import { decide } from '../../src/domain/decide';
import type { Decision, Effect, EngineInput } from '../../src/domain/decision';
import type { JobObservation } from '../../src/domain/jobObservation';
import {
    emptyTargetState,
    type Run,
    type RunWithJob,
    type StartingRun,
    type StoppingRun,
    type TargetState,
} from '../../src/domain/targetState';
import { DEFAULT_TIMING, type TargetTiming } from '../../src/domain/timing';

/*
 * Drives `decide` the way a coordinator would, for the engine's unit tests: inputs in order, effects kept, wakes
 * delivered on time, creates answered.
 */

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** A decision that was not a refusal. */
export type Decided = Extract<Decision, { kind: 'decided' }>;

/**
 * The decision, which must not be a refusal.
 * @param decision - what `decide` returned
 */
export function decided(decision: Decision): Decided {
    if (decision.kind === 'refused') throw new Error(`refused: ${decision.refusal.reason}`);
    return decision;
}

export function changes(
    requestId: string,
    options: { policy?: 'Delta' | 'Initial'; urgent?: boolean; count?: number } = {},
): EngineInput {
    const count = options.count ?? 1;
    return {
        type: 'changesAccepted',
        requestId,
        correlationId: `corr-${requestId}`,
        changeCount: count,
        urgentCount: options.urgent === true ? count : 0,
        policy: options.policy ?? 'Delta',
        kinds: { [options.urgent === true ? 'joiner' : 'attribute']: count },
    };
}

/** Applies inputs in order at the given times, keeping every effect; time never goes back. */
export class Driver {
    state: TargetState = emptyTargetState('t1', 'e0000001');
    readonly effects: Effect[] = [];
    now = T0;

    constructor(private readonly timing: TargetTiming = DEFAULT_TIMING) {}

    /** The run ahead, or null. */
    get ahead(): Run | null {
        return this.state.runs?.ahead ?? null;
    }

    /** The run queued behind the run ahead, or null. */
    get queued(): Run | null {
        return this.state.runs?.queued ?? null;
    }

    feed(input: EngineInput, at: number = this.now): Decided {
        this.now = Math.max(this.now, at);
        const decision = decided(decide(this.state, input, this.now, this.timing));
        this.state = decision.state;
        this.effects.push(...decision.effects);
        return decision;
    }

    /** Delivers the pending wake with its own token, on time or now if it is overdue. */
    wakeOnTime(): Decided {
        const wake = this.state.wake;
        if (wake === null) throw new Error('no wake pending');
        return this.feed({ type: 'wake', token: wake.token }, wake.at);
    }

    /**
     * Delivers wakes and answers the effects they ask for (creates succeed; reads are answered by `respond`)
     * until `done` holds.
     */
    pump(respond: (now: number) => JobObservation, done: () => boolean, limit = 500): void {
        for (let i = 0; i < limit && !done(); i++) {
            const seen = this.effects.length;
            this.wakeOnTime();
            for (const effect of this.effects.slice(seen)) {
                if (effect.type === 'startJob') {
                    const jobName = `job-${effect.seq}-${effect.attempt}`;
                    this.feed({ type: 'jobCreated', seq: effect.seq, attempt: effect.attempt, jobName });
                } else if (effect.type === 'observeJob') {
                    this.feed({
                        type: 'jobObserved',
                        seq: effect.seq,
                        attempt: effect.attempt,
                        observation: respond(this.now),
                    });
                }
            }
        }
        if (!done()) throw new Error('pump did not reach its goal');
    }

    ofType<K extends Effect['type']>(type: K): Extract<Effect, { type: K }>[] {
        return this.effects.filter((e): e is Extract<Effect, { type: K }> => e.type === type);
    }

    events(): string[] {
        return this.ofType('emit').map((e) => e.event.type);
    }

    /** Brings the current window to a created job. */
    startRun(): void {
        this.pump(
            () => ({ kind: 'queued', status: 'New' }),
            () => this.ahead?.phase === 'active',
        );
    }

    /** The run, which must have a job. */
    job(): RunWithJob {
        const run = this.ahead;
        if (run === null || run.phase === 'starting') throw new Error('no job');
        return run;
    }

    stopping(): StoppingRun {
        const run = this.ahead;
        if (run?.phase !== 'stopping') throw new Error('not stopping');
        return run;
    }

    starting(): StartingRun {
        const run = this.ahead;
        if (run?.phase !== 'starting') throw new Error('not starting');
        return run;
    }

    observe(observation: JobObservation, at: number = this.now): Decided {
        const run = this.ahead;
        if (run === null) throw new Error('no run');
        return this.feed({ type: 'jobObserved', seq: run.seq, attempt: run.attempt, observation }, at);
    }
}

export const succeeded: JobObservation = {
    kind: 'finished',
    status: 'Completed',
    report: { outcome: 'Succeeded', exportErrors: 0 },
};
