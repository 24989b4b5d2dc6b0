import type { SubmitOutcome } from '../../app/submitChanges';
import { type Refusal, refuse } from './problem';

/**
 * The problem a refused submission answers with, the same for every transport: HTTP sends it as problem
 * details, the change queue dead-letters with its code as the reason. The use case knows no status codes; the
 * codes and statuses here are the API's (docs/API.md).
 * @param outcome - a refusal of the submission use case
 * @param policyPointer - where a rate-limit refusal points in the submission
 */
export function submitRefusal<Denial extends Refusal>(
    outcome: Exclude<SubmitOutcome<Denial>, { kind: 'accepted' }>,
    policyPointer: string,
): Refusal {
    switch (outcome.kind) {
        case 'denied':
            return outcome.denial;
        case 'unknownTarget':
            return refuse('UNKNOWN_TARGET', 'A change names a target that is not configured.', {
                errors: outcome.pointers.map((pointer) => ({ pointer, detail: 'is not a configured target' })),
            });
        case 'noRoute':
            return refuse('NO_ROUTE', 'A change matches no routing rule.', {
                errors: outcome.pointers.map((pointer) => ({
                    pointer,
                    detail: 'no routing rule matches and there is no default target',
                })),
            });
        case 'keyReused':
            return refuse('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a different body.', {
                errors: [{ pointer: '/headers/idempotency-key', detail: 'already used for a different body' }],
            });
        case 'rateLimited': {
            const retryAfter = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
            return refuse(
                'INITIAL_RATE_LIMITED',
                `An Initial sync was accepted for target ${outcome.targetId} less than ${outcome.intervalMs / 1000} s ago.`,
                {
                    errors: [{ pointer: policyPointer, detail: 'Initial is rate-limited per target' }],
                    targetId: outcome.targetId,
                    retryAfterSeconds: retryAfter,
                },
                { 'retry-after': String(retryAfter) },
            );
        }
    }
}
