import { createHash, randomUUID } from 'node:crypto';

/**
 * SHA-256 of a text, hex.
 * @param text - what to hash
 */
export function sha256Hex(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Whose idempotency keys these are. Keys are scoped to the caller so one caller can never take another's key
 * (a predictable one, such as an employee id) first and make the victim's real request fail as a reused key, nor
 * compute the victim's request id from it.
 * - `principal`: the Entra object id App Service Authentication vouches for (appRoles mode);
 * - `functionKey`: the function called and a hash of the key presented (functionKeys mode; the host tells the app
 *   neither the key's name nor whether it was a host key, so the key itself is the identity; `keyHash` is null
 *   when no key was sent, e.g. on a host that checks none);
 * - `changeQueue`: any sender with Data Sender on the queue (Service Bus gives the trigger no sender identity).
 *   Its keys are derived as before scoping existed, so a message redelivered across an upgrade stays a duplicate;
 * - `internal`: the service itself (e.g. the Entra ID confirmation's one extra run), never a caller's scope.
 */
export type CallerScope =
    | { readonly kind: 'principal'; readonly objectId: string }
    | { readonly kind: 'functionKey'; readonly functionName: string; readonly keyHash: string | null }
    | { readonly kind: 'changeQueue' }
    | { readonly kind: 'internal'; readonly name: string };

/** The scope as hashed text; null for the change queue's unscoped (original) derivation. */
function scopeText(caller: CallerScope): string | null {
    switch (caller.kind) {
        case 'principal':
            return `principal\n${caller.objectId}`;
        case 'functionKey':
            return `function\n${caller.functionName}\n${caller.keyHash ?? 'no-key'}`;
        case 'changeQueue':
            return null;
        case 'internal':
            return `internal\n${caller.name}`;
    }
}

/**
 * The idempotency key a request carries: the `Idempotency-Key` header, else the ids of its events (CloudEvents
 * `source`+`id`, Event Grid `topic`+`id`, a Service Bus `messageId`), within the caller's scope. Hashed so stores
 * never see raw producer values and every key has the same safe shape. Scoped keys have their own prefixes
 * (`hs-`, `es-`), so they never equal a key stored before scoping existed (`h-`, `e-`): records written before
 * stay readable by their request id, and a retry that straddles the upgrade is accepted once more as a new
 * request (its changes merge into the window; nothing is lost).
 * @param caller - whose key it is
 * @param header - the validated header value, if any
 * @param eventKeys - the events' keys, if the format has them
 */
export function idempotencyKeyOf(
    caller: CallerScope,
    header: string | null,
    eventKeys: readonly string[] | null,
): string | null {
    const scope = scopeText(caller);
    const scoped = (prefix: string, text: string): string =>
        scope === null ? `${prefix}-${sha256Hex(text)}` : `${prefix}s-${sha256Hex(`scope\n${scope}\n${text}`)}`;
    if (header !== null) return scoped('h', `header\n${header}`);
    if (eventKeys !== null && eventKeys.length > 0) return scoped('e', `events\n${[...eventKeys].sort().join('\n')}`);
    return null;
}

/**
 * The request id: derived from the idempotency key, so a retry finds its original before anything is written,
 * or random without one. Formatted as a UUID (version nibble 8: custom) for callers that expect one.
 * @param idempotencyKey - the hashed key, or null
 */
export function requestIdFor(idempotencyKey: string | null): string {
    if (idempotencyKey === null) return randomUUID();
    const h = sha256Hex(`request\n${idempotencyKey}`);
    const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Separates a request id from the target in the id of a request that was split across targets. */
const TARGET_SEPARATOR = '_';

/**
 * The id of one target's part of a request.
 * @param requestId - the request
 * @param targetId - the target
 * @param split - whether the request went to more than one target
 */
export function targetRequestId(requestId: string, targetId: string, split: boolean): string {
    return split ? `${requestId}${TARGET_SEPARATOR}${targetId}` : requestId;
}

/** Shape of request ids in status URLs: a UUID, optionally with one target. */
export const REQUEST_ID_PATTERN =
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_[a-z0-9][a-z0-9-]{0,62})?$/;
