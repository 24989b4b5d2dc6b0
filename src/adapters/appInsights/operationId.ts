import { createHash } from 'node:crypto';

const TRACE_ID = /^[0-9a-f]{32}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INVALID_TRACE_ID = '0'.repeat(32);

/**
 * The Application Insights operation id (a W3C trace id) for a correlation id. A 32-hex trace id (from the
 * caller's `traceparent`) is used as it is, so our items join the caller's trace; a GUID becomes its 32 hex
 * digits; anything else is hashed, so every item of one window still shares one operation id.
 * @param correlationId - the window's correlation id
 */
export function operationIdFor(correlationId: string): string {
    const lower = correlationId.toLowerCase();
    if (TRACE_ID.test(lower) && lower !== INVALID_TRACE_ID) return lower;
    if (GUID.test(lower) && lower !== '00000000-0000-0000-0000-000000000000') return lower.replace(/-/g, '');
    return createHash('sha256').update(correlationId, 'utf8').digest('hex').slice(0, 32);
}

/**
 * A stable parent span id for the operation: items of one window hang under one synthetic root, which keeps
 * the transaction view in the portal readable.
 * @param operationId - the 32-hex operation id
 */
export function operationParentIdFor(operationId: string): string {
    const hex = createHash('sha256').update(`parent:${operationId}`, 'utf8').digest('hex').slice(0, 16);
    return hex === '0'.repeat(16) ? '0000000000000001' : hex;
}
