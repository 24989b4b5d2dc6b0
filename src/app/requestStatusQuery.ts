import { coveringSeq, deriveRequestStatus, type RequestStatus } from '../domain/requestStatus';
import type { Target } from '../domain/target';
import type { RunSummary, TargetState } from '../domain/targetState';
import type { Clock } from '../ports/clock';
import type { RequestStore } from '../ports/requestStore';
import type { Coordinator } from './coordinator';

export interface RequestStatusDeps {
    readonly coordinator: Coordinator;
    readonly clock: Clock;
    readonly requests: RequestStore;
    readonly targets: ReadonlyMap<string, Target>;
}

/**
 * Answers "is my change synced yet?" for one request, or null when the request is unknown.
 * @param deps - ports
 * @param requestId - the id returned when the request was accepted
 */
export async function getRequestStatus(deps: RequestStatusDeps, requestId: string): Promise<RequestStatus | null> {
    const record = await deps.requests.get(requestId);
    if (record === null) return null;
    const target = deps.targets.get(record.targetId);
    if (target === undefined) return null;
    const state = await deps.coordinator.readState(record.targetId);
    // Each seq is read from the run store at most once per query: following carries and answering read the same.
    const stored = new Map<number, Promise<RunSummary | null>>();
    const storedRun = (seq: number): Promise<RunSummary | null> => {
        const read = stored.get(seq) ?? storedRunIfGone(deps, state, seq);
        stored.set(seq, read);
        return read;
    };
    const finishedRun = async (seq: number): Promise<RunSummary | null> =>
        state.history.find((r) => r.seq === seq) ?? (await storedRun(seq));
    const seq = await coveringSeq(record, finishedRun);
    const covering = seq === null ? null : await storedRun(seq);
    return deriveRequestStatus(record, state, target.timing, deps.clock.now(), covering, seq);
}

/** The finished run with `seq` from the run store, when the state no longer holds the seq at all. */
async function storedRunIfGone(deps: RequestStatusDeps, state: TargetState, seq: number): Promise<RunSummary | null> {
    const inState =
        state.window?.seq === seq ||
        state.runs?.ahead.seq === seq ||
        state.runs?.queued?.seq === seq ||
        state.history.some((r) => r.seq === seq);
    return inState || seq >= state.nextSeq ? null : deps.coordinator.getRun(state.targetId, seq);
}
