import { createHash, randomUUID } from 'node:crypto';

/**
 * SHA-256 of a text, hex.
 * @param text - what to hash
 */
export function sha256Hex(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The idempotency key a request carries: the `Idempotency-Key` header, else the ids of its events (CloudEvents
 * `source`+`id`, Event Grid `topic`+`id`, a Service Bus `messageId`). Hashed so stores never see raw producer
 * values and every key has the same safe shape.
 * @param header - the validated header value, if any
 * @param eventKeys - the events' keys, if the format has them
 */
export function idempotencyKeyOf(header: string | null, eventKeys: readonly string[] | null): string | null {
    if (header !== null) return `h-${sha256Hex(`header\n${header}`)}`;
    if (eventKeys !== null && eventKeys.length > 0)
        return `e-${sha256Hex(`events\n${[...eventKeys].sort().join('\n')}`)}`;
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
