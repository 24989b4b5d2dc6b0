import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { CHANGES_ENTRY, createPostSyncRequestsHandler } from '../src/transports/http/postSyncRequests';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

export const postSyncRequests: FunctionRegistration = {
    name: FUNCTION_NAMES.postSyncRequests,
    trigger: 'http',
    options: {
        route: ROUTES.syncRequests,
        methods: ['POST', 'OPTIONS'],
        authLevel: 'function',
        handler: createPostSyncRequestsHandler(getServices, CHANGES_ENTRY),
    },
};
