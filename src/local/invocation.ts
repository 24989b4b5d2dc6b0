import { InvocationContext, type InvocationContextInit } from '@azure/functions';

import type { Logger } from '../ports/logger';

/**
 * The `InvocationContext` the local host hands a function, its log lines prefixed with the function's name and
 * sent to the host's logger at their level (`context.debug` and `context.trace` lines are dropped).
 * @param functionName - the function invoked
 * @param log - the host's logger
 * @param init - what else the trigger provides (trigger metadata, invocation id)
 */
export function invocationContext(
    functionName: string,
    log: Logger,
    init: Omit<InvocationContextInit, 'functionName' | 'logHandler'> = {},
): InvocationContext {
    return new InvocationContext({
        ...init,
        functionName,
        logHandler: (level, ...args) => {
            const line = `[${functionName}] ${args.map(String).join(' ')}`;
            if (level === 'error' || level === 'critical') log.error(line);
            else if (level === 'warning') log.warn(line);
            else if (level === 'information') log.info(line);
        },
    });
}
