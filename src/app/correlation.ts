/** W3C trace context: version 00, 32-hex trace id, 16-hex parent id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace id of a W3C `traceparent`, or null when absent or invalid (all-zero ids are invalid).
 * @param traceparent - the header or CloudEvents extension value
 */
export function traceIdOf(traceparent: string | null | undefined): string | null {
    if (traceparent === null || traceparent === undefined) return null;
    const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
    const traceId = match?.[1];
    if (traceId === undefined || /^0+$/.test(traceId) || /^0+$/.test(match?.[2] ?? '0')) return null;
    return traceId;
}
