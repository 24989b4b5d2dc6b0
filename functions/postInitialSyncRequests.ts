import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { createPostSyncRequestsHandler, FULL_SYNC_ENTRY } from '../src/transports/http/postSyncRequests';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

/** Its own function, so its own function keys: the key of postSyncRequests never grants a full sync (T11). */
export const postInitialSyncRequests: FunctionRegistration = {
    name: FUNCTION_NAMES.postInitialSyncRequests,
    trigger: 'http',
    options: {
        route: ROUTES.initialSyncRequests,
        methods: ['POST'],
        authLevel: 'function',
        handler: createPostSyncRequestsHandler(getServices, FULL_SYNC_ENTRY),
    },
};
