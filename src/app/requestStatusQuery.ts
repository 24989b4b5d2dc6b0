import { deriveRequestStatus, type RequestStatus } from '../domain/requestStatus';
import type { Target } from '../domain/target';
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
    const inState =
        record.windowSeq === null ||
        state.window?.seq === record.windowSeq ||
        state.run?.seq === record.windowSeq ||
        state.history.some((r) => r.seq === record.windowSeq);
    const stored =
        inState || record.windowSeq === null ? null : await deps.coordinator.getRun(record.targetId, record.windowSeq);
    return deriveRequestStatus(record, state, target.timing, deps.clock.now(), stored);
}
