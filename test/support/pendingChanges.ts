import { addKindCounts, type KindCounts } from '../../src/domain/change';
import type { TargetState } from '../../src/domain/targetState';

/** The changes a target holds and has not finished: its open window and its run in progress, added up. */
export interface PendingChanges {
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly requestCount: number;
    readonly kinds: KindCounts;
}

/**
 * Adds up the open window and the run in progress. An urgent change on an idle target starts its run at once (the
 * lead rule), so what a request merged is found in the window or in the run, depending on what it found.
 * @param state - the target's state
 */
export function pendingChanges(state: TargetState): PendingChanges {
    const parts = [state.window, state.run].filter((p) => p !== null);
    return {
        changeCount: parts.reduce((sum, p) => sum + p.changeCount, 0),
        urgentCount: parts.reduce((sum, p) => sum + p.urgentCount, 0),
        requestCount: parts.reduce((sum, p) => sum + p.requestCount, 0),
        kinds: parts.reduce<KindCounts>((sum, p) => addKindCounts(sum, p.kinds), {}),
    };
}
