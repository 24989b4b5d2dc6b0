import { createHash } from 'node:crypto';

import { traceIdFor } from '../../ports/correlation';

/** The Application Insights operation id of a window: its correlation id in trace-id form. */
export const operationIdFor = traceIdFor;

/**
 * A stable parent span id for the operation: items of one window hang under one synthetic root, which keeps
 * the transaction view in the portal readable.
 * @param operationId - the 32-hex operation id
 */
export function operationParentIdFor(operationId: string): string {
    const hex = createHash('sha256').update(`parent:${operationId}`, 'utf8').digest('hex').slice(0, 16);
    return hex === '0'.repeat(16) ? '0000000000000001' : hex;
}
