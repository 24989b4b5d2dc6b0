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
