import { z } from 'zod';

import { PermanentDependencyError, TransientDependencyError } from '../../errors';

/** Codes that may pass on their own: the namespace is busy, slow, unreachable, or the queue is momentarily full. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
    'ServiceBusy',
    'ServiceTimeout',
    'ServiceCommunicationProblem',
    'QuotaExceeded',
    'GeneralError',
    // Node network failures that reach us unwrapped.
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENOTFOUND',
]);

/** Codes retrying cannot fix: missing or disabled queue, no access, message too large. */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
    'MessagingEntityNotFound',
    'MessagingEntityDisabled',
    'MessagingEntityAlreadyExists',
    'MessageSizeExceeded',
    'UnauthorizedAccess',
    'MessageNotFound',
    'MessageLockLost',
    'SessionCannotBeLocked',
    'SessionLockLost',
]);

const serviceBusErrorShape = z.object({
    code: z.string().optional(),
    retryable: z.boolean().optional(),
    name: z.string().optional(),
});

/**
 * Maps what a Service Bus call threw to the service's typed errors. Known codes decide; otherwise the SDK's own
 * `retryable` flag; otherwise transient, because a wake-up that failed is repaired by the reconcile timer and a
 * retry costs nothing.
 * @param e - the caught value
 * @param operation - what was attempted, for the message (no payloads)
 */
export function toServiceBusDependencyError(
    e: unknown,
    operation: string,
): TransientDependencyError | PermanentDependencyError {
    if (e instanceof TransientDependencyError || e instanceof PermanentDependencyError) return e;
    const parsed = serviceBusErrorShape.safeParse(e);
    const code = parsed.success ? parsed.data.code : undefined;
    const retryable = parsed.success ? parsed.data.retryable : undefined;
    const message = `Service Bus: ${operation} failed${code === undefined ? '' : ` (${code})`}`;
    if (code !== undefined && PERMANENT_CODES.has(code))
        return new PermanentDependencyError(message, undefined, { cause: e });
    if (code !== undefined && TRANSIENT_CODES.has(code))
        return new TransientDependencyError(message, undefined, { cause: e });
    if (retryable === false) return new PermanentDependencyError(message, undefined, { cause: e });
    return new TransientDependencyError(message, undefined, { cause: e });
}
