import { createHash } from 'node:crypto';

const TRACE_ID = /^[0-9a-f]{32}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INVALID_TRACE_ID = '0'.repeat(32);

/**
 * The one normal form of a window's correlation id: a W3C trace id (32 lowercase hex digits). A caller's trace id
 * (from `traceparent`) is kept, so telemetry joins the caller's trace; a GUID becomes its 32 hex digits; anything
 * else (including the all-zero, invalid trace id) is hashed. Telemetry uses it as the operation id and the runbook
 * receives it as `CorrelationId`, so no caller-controlled text reaches the Connect server and the job's
 * dependency records land in the same operation as the request.
 * @param correlationId - the window's correlation id
 */
export function traceIdFor(correlationId: string): string {
    const lower = correlationId.toLowerCase();
    if (TRACE_ID.test(lower) && lower !== INVALID_TRACE_ID) return lower;
    if (GUID.test(lower) && lower !== '00000000-0000-0000-0000-000000000000') return lower.replace(/-/g, '');
    return createHash('sha256').update(correlationId, 'utf8').digest('hex').slice(0, 32);
}

/** W3C trace context: version 00, 32-hex trace id, 16-hex parent id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace id of a W3C `traceparent`, or null when absent or invalid (all-zero ids are invalid).
 * @param traceparent - the header or CloudEvents extension value
 */
function traceIdOf(traceparent: string | null | undefined): string | null {
    if (traceparent === null || traceparent === undefined) return null;
    const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
    const traceId = match?.[1];
    if (traceId === undefined || /^0+$/.test(traceId) || /^0+$/.test(match?.[2] ?? '0')) return null;
    return traceId;
}

/**
 * Mints a request's correlation id, in its one normal form ({@link traceIdFor}): the trace id of the first valid
 * `traceparent` the submission carries (so telemetry joins the caller's trace), else the request id's 32 hex digits.
 * @param traceparents - the submission's trace contexts, most authoritative first (header, then event extension)
 * @param requestId - the request id (a UUID)
 */
export function correlationIdFor(traceparents: readonly (string | null | undefined)[], requestId: string): string {
    for (const traceparent of traceparents) {
        const traceId = traceIdOf(traceparent);
        if (traceId !== null) return traceId;
    }
    return traceIdFor(requestId);
}
