import type { ObjectChunk, RoundTally } from '../domain/confirmationProgress';
import {
    type ConfirmationRecord,
    type ConfirmationState,
    diagnoseNotVisible,
    type DirectoryObjectRef,
    type NotVisibleReason,
    ROUND,
} from '../domain/entraConfirmation';
import type { RunSummary } from '../domain/targetState';
import type { ConfirmVisibilityDeps } from './confirmationDeps';

/** A record's next state and due time, with telemetry sent only once it is stored. */
export interface Transition {
    readonly state: ConfirmationState;
    readonly dueAt: number;
    readonly report: () => void;
}

type Checking = Extract<ConfirmationState, { phase: 'checking' }>;

/** The idempotency key of a request's n-th extra run: deterministic, so retries never add runs. */
export const extraRunKey = (requestId: string, n: number): string => `entra-confirmation:${requestId}:${n}`;

export const quiet = (state: ConfirmationState, dueAt: number): Transition => ({
    state,
    dueAt,
    report: () => undefined,
});

/**
 * What follows a round in which every object got its answer (or was given up): confirmed when all are found;
 * else the extra run (planned after the replication delay, then submitted after one more look), or the final answer.
 * @param tally - the round's tally
 * @param chunks - every chunk, for the final answer's per-object telemetry
 */
export async function concludeRound(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    checking: Checking,
    tally: RoundTally,
    chunks: readonly ObjectChunk[],
    now: number,
): Promise<Transition> {
    if (tally.missing === 0 && tally.gaveUp === 0) {
        return quiet({ phase: 'confirmed', confirmedAt: now, extraRuns: checking.extraRuns }, now);
    }
    const extraRunAllowed = checking.extraRuns < deps.settings.maxExtraRuns && tally.missing > 0;
    if (checking.round === ROUND.afterCycle && extraRunAllowed) {
        const dueAt = now + deps.settings.extraRunDelayMs;
        return quiet({ phase: 'awaitingExtraRun', extraRuns: 1, dueAt, extraRequestId: null }, dueAt);
    }
    if (checking.round === ROUND.beforeExtraRun && extraRunAllowed) {
        const extraRequestId = await deps.submitExtraRun(record.targetId, extraRunKey(record.requestId, 1));
        // The engine refused the extra run (an Initial limit cannot apply to a Delta; kept for safety).
        if (extraRequestId !== null) {
            return quiet({ phase: 'awaitingExtraRun', extraRuns: 1, dueAt: now, extraRequestId }, now);
        }
    }
    return finalNotVisible(deps, record, checking, tally, chunks, now);
}

/** The runs that covered the request: its own and the extra one, as far as their statuses still hold them. */
async function coveringRuns(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    checking: Checking,
): Promise<RunSummary[]> {
    const ids = [record.requestId, ...(checking.extraRequestId === null ? [] : [checking.extraRequestId])];
    const runs: RunSummary[] = [];
    for (const id of ids) {
        const status = await deps.requestStatus(id);
        if (status !== null && 'run' in status) runs.push(status.run);
    }
    return runs;
}

/** The objects not found: those the lookups said are missing, and those given up. */
function notFound(chunks: readonly ObjectChunk[]): { missing: DirectoryObjectRef[]; gaveUp: DirectoryObjectRef[] } {
    const missing: DirectoryObjectRef[] = [];
    const gaveUp: DirectoryObjectRef[] = [];
    for (const chunk of chunks) {
        chunk.refs.forEach((ref, i) => {
            const p = chunk.progress[i];
            if (p?.s === 'open') missing.push(ref);
            else if (p?.s === 'gaveUp') gaveUp.push(ref);
        });
    }
    return { missing, gaveUp };
}

/** The final answer for objects not found, with the reason the lookups and run-profile results support. */
async function finalNotVisible(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    checking: Checking,
    tally: RoundTally,
    chunks: readonly ObjectChunk[],
    now: number,
): Promise<Transition> {
    const reason = diagnoseNotVisible(tally, await coveringRuns(deps, record, checking));
    const state: ConfirmationState = {
        phase: 'notVisible',
        reason,
        checkedAt: now,
        missing: tally.missing,
        lookupFailed: tally.gaveUp,
        lookupFailure: tally.lastFailure,
        extraRuns: checking.extraRuns,
    };
    return {
        state,
        dueAt: now,
        report: () => {
            const { missing, gaveUp } = notFound(chunks);
            const track = (ref: DirectoryObjectRef, why: NotVisibleReason): void =>
                deps.telemetry.track({
                    type: 'NotVisibleInEntra',
                    targetId: record.targetId,
                    requestId: record.requestId,
                    correlationId: record.correlationId,
                    objectRef: ref.value,
                    lookupBy: ref.by,
                    extraRuns: checking.extraRuns,
                    reason: why,
                });
            for (const ref of missing) track(ref, reason);
            for (const ref of gaveUp) track(ref, 'lookupFailed');
        },
    };
}
