import type { RequestRecord } from '../domain/requestStatus';
import type { Clock } from '../ports/clock';
import type { ConfirmationStore } from '../ports/confirmationStore';
import { correlationIdFor } from '../ports/correlation';
import type { RequestStore } from '../ports/requestStore';
import type { Telemetry } from '../ports/telemetry';
import { acceptRequest, isKeyReuse, type TargetRequest } from './acceptRequest';
import { rememberObjectsToConfirm } from './confirmVisibility';
import type { Coordinator } from './coordinator';
import { type CallerScope, idempotencyKeyOf, requestIdFor, targetRequestId } from './idempotency';
import { type RoutingDeps, splitByTarget, type SubmittedChanges, type TargetShare } from './splitByTarget';

/** One submission of changes, as any transport builds it: what was sent and who vouches for its identity. */
export interface SubmitChangesCommand<Denial> extends SubmittedChanges {
    /** Who sent it, as far as the transport can vouch: idempotency keys are scoped to it. */
    readonly caller: CallerScope;
    /** The caller's `Idempotency-Key`, already checked for shape; null when none was sent. */
    readonly idempotencyKey: string | null;
    /** The events' own keys (CloudEvents `source`+`id`, a Service Bus `messageId`): the key when no header is sent. */
    readonly eventKeys: readonly string[] | null;
    /** W3C `traceparent` values the submission carries, most authoritative first. */
    readonly traceparents: readonly (string | null | undefined)[];
    readonly source: TargetRequest['source'];
    /**
     * The transport's authorization of the policies the routed changes ask for; a non-null denial refuses the
     * submission before anything is written. Absent: every policy is allowed.
     */
    readonly authorize?: (policies: ReadonlySet<TargetShare['policy']>) => Denial | null;
}

/** One target's part of an accepted submission. */
interface AcceptedShare {
    readonly record: RequestRecord;
    readonly duplicate: boolean;
}

/** What became of a submission. Expected refusals are values; storage failures are thrown. */
export type SubmitOutcome<Denial> =
    | {
          readonly kind: 'accepted';
          readonly requestId: string;
          readonly correlationId: string;
          /** The targets of a submission split across more than one, else null. */
          readonly splitTargets: readonly string[] | null;
          readonly shares: readonly AcceptedShare[];
          /** Every share was accepted before: this is a retry. */
          readonly duplicate: boolean;
      }
    /** The idempotency key was used before for a different body. Nothing was written. */
    | { readonly kind: 'keyReused' }
    /** An Initial was accepted for the target less than `intervalMs` ago. Nothing was written. */
    | {
          readonly kind: 'rateLimited';
          readonly targetId: string;
          readonly intervalMs: number;
          readonly retryAfterMs: number;
      }
    /** Changes name a target that is not configured (`pointers` locate them). */
    | { readonly kind: 'unknownTarget'; readonly pointers: readonly string[] }
    /** Changes match no routing rule and there is no default target. */
    | { readonly kind: 'noRoute'; readonly pointers: readonly string[] }
    /** The transport's authorization refused the policies asked for. */
    | { readonly kind: 'denied'; readonly denial: Denial };

/** The ports and settings the use case needs, and nothing else. */
export interface SubmitChangesDeps extends RoutingDeps {
    readonly coordinator: Coordinator;
    readonly requests: RequestStore;
    readonly telemetry: Telemetry;
    readonly clock: Clock;
    /** At most one Initial accepted per target in this period. */
    readonly initialMinIntervalMs: number;
    /** ENTRA_CONFIRMATION=on: where the objects each accepted request names are remembered; absent/null: off. */
    readonly confirmations?: ConfirmationStore | null;
}

/**
 * The one way changes enter the engine, for every transport: route the changes to targets, derive the request id
 * from the idempotency key within the caller's scope, mint the correlation id, refuse what must be refused before anything is written, then
 * accept every target's share. A retry of an accepted submission gets its original records back.
 * @param deps - ports and settings
 * @param command - the submission
 */
export async function submitChanges<Denial>(
    deps: SubmitChangesDeps,
    command: SubmitChangesCommand<Denial>,
): Promise<SubmitOutcome<Denial>> {
    const shares = splitByTarget(command, deps);
    if (!Array.isArray(shares)) return shares;
    const denial = command.authorize?.(new Set(shares.map((s) => s.policy))) ?? null;
    if (denial !== null) return { kind: 'denied', denial };

    const idempotencyKey = idempotencyKeyOf(command.caller, command.idempotencyKey, command.eventKeys);
    const requestId = requestIdFor(idempotencyKey);
    const correlationId = correlationIdFor(command.traceparents, requestId);
    const split = shares.length > 1;
    const now = deps.clock.now();
    const blocked = await preCheck(deps, shares, requestId, split);
    if (blocked !== null) return blocked;
    const accepted: AcceptedShare[] = [];
    for (const share of shares) {
        const outcome = await acceptRequest(deps, {
            requestId: targetRequestId(requestId, share.targetId, split),
            targetId: share.targetId,
            changeCount: share.changeCount,
            urgentCount: share.urgentCount,
            policy: share.policy,
            kinds: share.kinds,
            idempotencyKey,
            bodyHash: share.bodyHash,
            correlationId,
            acceptedAt: now,
            source: command.source,
            initialMinIntervalMs: deps.initialMinIntervalMs,
        });
        if (outcome.kind === 'idempotencyConflict') return { kind: 'keyReused' };
        if (outcome.kind === 'refused') {
            // Shares before this one stay accepted (a retry with the same key finds them as duplicates).
            return {
                kind: 'rateLimited',
                targetId: share.targetId,
                intervalMs: deps.initialMinIntervalMs,
                retryAfterMs: outcome.refusal.retryAt - now,
            };
        }
        accepted.push({ record: outcome.record, duplicate: outcome.duplicate });
    }
    if (deps.confirmations !== undefined && deps.confirmations !== null)
        await rememberObjectsToConfirm(deps.confirmations, accepted, command.changes, deps);
    return {
        kind: 'accepted',
        requestId,
        correlationId: accepted[0]?.record.correlationId ?? correlationId,
        splitTargets: split ? shares.map((s) => s.targetId) : null,
        shares: accepted,
        duplicate: accepted.every((a) => a.duplicate),
    };
}

/**
 * The refusal that must come before the first write, so that a request split across targets is all or nothing:
 * a key reused for another body. (The Initial limit is the engine's: it is decided with the merge, under the
 * target state's ETag.)
 */
async function preCheck(
    deps: SubmitChangesDeps,
    shares: readonly TargetShare[],
    requestId: string,
    split: boolean,
): Promise<SubmitOutcome<never> | null> {
    for (const share of shares) {
        const existing = await deps.requests.get(targetRequestId(requestId, share.targetId, split));
        if (existing !== null && isKeyReuse(existing, share.bodyHash)) return { kind: 'keyReused' };
    }
    return null;
}
