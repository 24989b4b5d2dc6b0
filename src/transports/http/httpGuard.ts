import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { ensureError, isConfigError, isTransientDependencyError } from '../../errors';
import { problem, problemResponse } from '../formats/problem';
import type { FrontDoor, FrontDoorResolver } from '../frontDoor';

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
            const error = ensureError(e);
            context.error(error.message);
            const setting = isConfigError(error) ? error.setting : undefined;
            const detail =
                setting === undefined
                    ? 'The service could not start; see its logs.'
                    : `The setting ${setting} is invalid; see the service logs.`;
            return problemResponse(problem('CONFIG_INVALID', detail, setting === undefined ? {} : { setting }));
        }
        try {
            return await handle(request, context, services);
        } catch (e) {
            const error = ensureError(e);
            if (isTransientDependencyError(error)) {
                context.warn(`Dependency unavailable: ${error.message}`);
                return problemResponse(problem('DEPENDENCY_UNAVAILABLE', 'Storage or another dependency is busy.'), {
                    'retry-after': '5',
                });
            }
            context.error(`Unexpected error: ${error.name}: ${error.message}`);
            return problemResponse(problem('INTERNAL_ERROR', `Unexpected error; invocation ${context.invocationId}.`));
        }
    };
}
