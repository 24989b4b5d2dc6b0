import type { KindCounts } from '../domain/change';
import type { MergeRefusal } from '../domain/decision';
import type { SyncPolicy } from '../domain/policy';
import type { RequestRecord } from '../domain/requestStatus';
import type { RequestStore } from '../ports/requestStore';
import type { Telemetry } from '../ports/telemetry';
import type { Coordinator } from './coordinator';

/** One request's changes for one target, routed by {@link submitChanges}. */
export interface TargetRequest {
    readonly requestId: string;
    readonly targetId: string;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly policy: SyncPolicy;
    readonly kinds: KindCounts;
    readonly idempotencyKey: string | null;
    readonly bodyHash: string;
    readonly correlationId: string;
    readonly acceptedAt: number;
    /** `confirmation`: the extra run of an Entra ID confirmation (ENTRA_CONFIRMATION=on). */
    readonly source: 'http' | 'serviceBus' | 'confirmation';
    /** The engine refuses an Initial within this period of the last one on the target; absent: no limit. */
    readonly initialMinIntervalMs?: number;
}

export type AcceptOutcome =
    | { readonly kind: 'accepted'; readonly record: RequestRecord; readonly duplicate: boolean }
    /**
     * The engine refused to merge (an Initial within the target's Initial interval). The request is stored with
     * the refusal as its final state; a retry after `refusal.retryAt` is merged.
     */
    | { readonly kind: 'refused'; readonly record: RequestRecord; readonly refusal: MergeRefusal }
    /** The idempotency key was used before for a different body. Nothing was changed. */
    | { readonly kind: 'idempotencyConflict'; readonly existing: RequestRecord };

export interface AcceptDeps {
    readonly coordinator: Coordinator;
    readonly requests: RequestStore;
    readonly telemetry: Telemetry;
}

/**
 * The one use case behind every intake: store the request (idempotently), merge its changes into the target's
 * window, remember the window. A crash between the first two steps is repaired by {@link mergeUnmerged};
 * a retry of the whole call returns the original request and never counts its changes twice.
 * @param deps - ports
 * @param request - the normalised request
 */
export async function acceptRequest(deps: AcceptDeps, request: TargetRequest): Promise<AcceptOutcome> {
    const registered = await deps.requests.register({
        requestId: request.requestId,
        targetId: request.targetId,
        windowSeq: null,
        acceptedAt: request.acceptedAt,
        changeCount: request.changeCount,
        urgentCount: request.urgentCount,
        policy: request.policy,
        correlationId: request.correlationId,
        bodyHash: request.bodyHash,
        idempotencyKey: request.idempotencyKey,
    });
    const existing = registered.kind === 'existing';
    if (existing && isKeyReuse(registered.record, request.bodyHash)) {
        return { kind: 'idempotencyConflict', existing: registered.record };
    }
    let record = registered.record;
    if (record.windowSeq === null) {
        const merged = await merge(deps, record, request.kinds, request.initialMinIntervalMs);
        if (merged.kind === 'refused') {
            await deps.requests.markRefused(record.requestId, merged.refusal);
            return { kind: 'refused', record: { ...record, refusal: merged.refusal }, refusal: merged.refusal };
        }
        record = merged.record;
    }
    deps.telemetry.track({
        type: 'RequestAccepted',
        targetId: record.targetId,
        requestId: record.requestId,
        correlationId: record.correlationId,
        windowSeq: record.windowSeq ?? 0,
        changeCount: record.changeCount,
        urgentCount: record.urgentCount,
        policy: record.policy,
        source: request.source,
        duplicate: existing,
    });
    return { kind: 'accepted', record, duplicate: existing };
}

/**
 * The idempotency rule: a stored request with the same id (the same idempotency key) but another body means the
 * key was reused for different changes; the same body is a retry.
 * @param existing - the request stored under the id
 * @param bodyHash - the hash of the body now submitted
 */
export function isKeyReuse(existing: RequestRecord, bodyHash: string): boolean {
    return existing.bodyHash !== bodyHash;
}

async function merge(
    deps: AcceptDeps,
    record: RequestRecord,
    kinds: KindCounts,
    initialMinIntervalMs?: number,
): Promise<{ kind: 'merged'; record: RequestRecord } | { kind: 'refused'; refusal: MergeRefusal }> {
    const result = await deps.coordinator.mergeChanges(record.targetId, {
        type: 'changesAccepted',
        requestId: record.requestId,
        correlationId: record.correlationId,
        changeCount: record.changeCount,
        urgentCount: record.urgentCount,
        policy: record.policy,
        kinds,
        ...(initialMinIntervalMs === undefined ? {} : { initialMinIntervalMs }),
    });
    if (result.kind === 'refused') return result;
    await deps.requests.markMerged(record.requestId, result.seq);
    const { refusal: _refusal, ...unrefused } = record;
    return { kind: 'merged', record: { ...unrefused, windowSeq: result.seq } };
}

/**
 * Merges requests that were stored but never merged (the process died in between and the caller did not
 * retry). Kinds are not stored with the request, so these count as `manual`.
 * @param deps - ports
 * @param olderThan - only requests accepted before this time (leave in-flight ones alone)
 * @param limit - at most this many per call
 * @returns how many were merged
 */
export async function mergeUnmerged(deps: AcceptDeps, olderThan: number, limit = 100): Promise<number> {
    const stranded = await deps.requests.listUnmerged(olderThan, limit);
    for (const record of stranded) await merge(deps, record, { manual: record.changeCount });
    return stranded.length;
}
