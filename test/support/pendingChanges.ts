import { addTally, type Tally } from '../../src/domain/tally';
import type { TargetState } from '../../src/domain/targetState';

/** The changes a target holds and has not finished: its open window and its runs in progress, added up. */
export type PendingChanges = Pick<Tally, 'changeCount' | 'urgentCount' | 'requestCount' | 'kinds'>;

/**
 * Adds up the open window and the runs in progress. An urgent change on an idle target starts its run at once (the
 * lead rule), so what a request merged is found in the window or in a run, depending on what it found.
 * @param state - the target's state
 */
export function pendingChanges(state: TargetState): PendingChanges {
    const parts = [state.window, state.runs?.ahead ?? null, state.runs?.queued ?? null].flatMap((p) =>
        p === null ? [] : [p.tally],
    );
    const none: Tally = {
        policy: 'Delta',
        changeCount: 0,
        urgentCount: 0,
        requestCount: 0,
        kinds: {},
        firstUrgentAt: null,
    };
    const { changeCount, urgentCount, requestCount, kinds } = parts.reduce(addTally, none);
    return { changeCount, urgentCount, requestCount, kinds };
}
