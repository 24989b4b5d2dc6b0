import type { Services } from '../composition/createServices';
import type { RequestRecord } from '../domain/requestStatus';
import { type Refusal, refuse } from '../transports/formats/problem';
import { acceptRequest, type TargetRequest } from './acceptRequest';
import { targetRequestId } from './idempotency';
import type { TargetShare } from './splitByTarget';

export interface AcceptSharesOptions {
    readonly requestId: string;
    readonly idempotencyKey: string | null;
    readonly correlationId: string;
    readonly source: TargetRequest['source'];
    /** Where a rate-limit refusal points (`/policy`, or the message). */
    readonly policyPointer: string;
}

export interface AcceptedShare {
    readonly record: RequestRecord;
    readonly duplicate: boolean;
}

/**
 * Accepts every target's share of one request through `acceptRequest`, after checks that must refuse before
 * anything is written: a key reused for another body, an Initial too soon after the last one on a target.
 * A retry of an accepted request passes the checks and gets its original records back.
 * @param services - ports
 * @param shares - one per target
 * @param options - ids and provenance
 */
export async function acceptShares(
    services: Services,
    shares: readonly TargetShare[],
    options: AcceptSharesOptions,
): Promise<AcceptedShare[] | Refusal> {
    const split = shares.length > 1;
    const now = services.clock.now();
    const blocked = await preCheck(services, shares, options, split, now);
    if (blocked !== null) return blocked;
    const accepted: AcceptedShare[] = [];
    for (const share of shares) {
        const outcome = await acceptRequest(services, {
            requestId: targetRequestId(options.requestId, share.targetId, split),
            targetId: share.targetId,
            changeCount: share.changeCount,
            urgentCount: share.urgentCount,
            policy: share.policy,
            kinds: share.kinds,
            idempotencyKey: options.idempotencyKey,
            bodyHash: share.bodyHash,
            correlationId: options.correlationId,
            acceptedAt: now,
            source: options.source,
        });
        if (outcome.kind === 'idempotencyConflict') return keyReused();
        accepted.push({ record: outcome.record, duplicate: outcome.duplicate });
    }
    return accepted;
}

export function keyReused(): Refusal {
    return refuse('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a different body.', {
        errors: [{ pointer: '/headers/idempotency-key', detail: 'already used for a different body' }],
    });
}

async function preCheck(
    services: Services,
    shares: readonly TargetShare[],
    options: AcceptSharesOptions,
    split: boolean,
    now: number,
): Promise<Refusal | null> {
    for (const share of shares) {
        const existing = await services.requests.get(targetRequestId(options.requestId, share.targetId, split));
        if (existing !== null) {
            if (existing.bodyHash !== share.bodyHash) return keyReused();
            continue;
        }
        if (share.policy !== 'Initial') continue;
        // Best effort across instances: two Initials racing within one interval may both pass; the engine
        // still merges them into one window when they arrive before it closes.
        const state = await services.coordinator.readState(share.targetId);
        const last = state.lastInitialAcceptedAt;
        const interval = services.config.http.initialMinIntervalMs;
        if (last !== null && now - last < interval) {
            const retryAfter = Math.max(1, Math.ceil((last + interval - now) / 1000));
            return refuse(
                'INITIAL_RATE_LIMITED',
                `An Initial sync was accepted for target ${share.targetId} less than ${interval / 1000} s ago.`,
                {
                    errors: [{ pointer: options.policyPointer, detail: 'Initial is rate-limited per target' }],
                    targetId: share.targetId,
                    retryAfterSeconds: retryAfter,
                },
                { 'retry-after': String(retryAfter) },
            );
        }
    }
    return null;
}
