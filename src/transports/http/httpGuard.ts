import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { ensureError, isConfigError, isTransientDependencyError } from '../../errors';
import { problem, problemResponse } from '../formats/problem';
import type { FrontDoor, FrontDoorResolver } from '../frontDoor';

/** Seconds a caller is asked to wait after a dependency outage: long enough for a blip, short for a poller. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Runs an HTTP handler with its services and turns anything thrown into a problem response: never a stack
 * trace to the caller, always a log line naming the failure.
 * @param resolve - gives the services (loads config on first use)
 * @param handle - the handler proper
 */
export function guarded(
    resolve: FrontDoorResolver,
    handle: (request: HttpRequest, context: InvocationContext, services: FrontDoor) => Promise<HttpResponseInit>,
): HttpHandler {
    return async (request, context) => {
        let services: FrontDoor;
        try {
            services = await resolve();
        } catch (e) {
            return startFailure(ensureError(e), context);
        }
        try {
            return await handle(request, context, services);
        } catch (e) {
            const error = ensureError(e);
            if (isTransientDependencyError(error)) {
                context.warn(`Dependency unavailable: ${error.message}`);
                return dependencyUnavailable('Storage or another dependency is busy.');
            }
            context.error(`Unexpected error: ${error.name}: ${error.message}`);
            return problemResponse(problem('INTERNAL_ERROR', `Unexpected error; invocation ${context.invocationId}.`));
        }
    };
}

function dependencyUnavailable(detail: string): HttpResponseInit {
    return problemResponse(problem('DEPENDENCY_UNAVAILABLE', detail), {
        'retry-after': String(DEPENDENCY_RETRY_AFTER_SECONDS),
    });
}

/**
 * The answer when the services could not be built or started. A bad setting is the operator's to fix: 500
 * `CONFIG_INVALID` naming it. Storage that cannot be reached (refused, timed out, 5xx, throttled) is an outage of a
 * dependency, not a misconfiguration: 503 `DEPENDENCY_UNAVAILABLE` with `Retry-After`, and the next invocation
 * tries to start again (composition/runtime.ts forgets a failed start). Anything else is a start-up failure of
 * unknown cause: 500 `CONFIG_INVALID` without a setting, as before, with the cause in the log.
 * @param error - what building or starting the services threw
 * @param context - the invocation, for the log
 */
function startFailure(error: Error, context: InvocationContext): HttpResponseInit {
    if (isTransientDependencyError(error)) {
        context.warn(`Dependency unavailable at start: ${error.message}`);
        return dependencyUnavailable('Storage is unreachable; the service starts once it answers.');
    }
    context.error(error.message);
    const setting = isConfigError(error) ? error.setting : undefined;
    const detail =
        setting === undefined
            ? 'The service could not start; see its logs.'
            : `The setting ${setting} is invalid; see the service logs.`;
    return problemResponse(problem('CONFIG_INVALID', detail, setting === undefined ? {} : { setting }));
}
