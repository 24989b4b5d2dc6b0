import type { Effect } from './decision';
import type { EngineEvent } from './engineEvent';
import type { TargetState } from './targetState';
import type { TargetTiming } from './timing';

/**
 * One decision in the making: the state so far and the effects to perform once it is saved. `decide` makes one
 * per input and hands it to the window, the pipeline and the wake, each of which changes only its own part.
 */
export class Step {
    state: TargetState;
    readonly effects: Effect[] = [];

    constructor(
        readonly initial: TargetState,
        readonly now: number,
        readonly timing: TargetTiming,
    ) {
        this.state = initial;
    }

    /** The state with `patch` merged in. */
    update(patch: Partial<TargetState>): void {
        this.state = { ...this.state, ...patch };
    }

    emit(event: EngineEvent): void {
        this.effects.push({ type: 'emit', event });
    }
}
