import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { createGetSyncRequestStatusHandler } from '../src/transports/http/getSyncRequestStatus';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

export const getSyncRequestStatus: FunctionRegistration = {
    name: FUNCTION_NAMES.getSyncRequestStatus,
    trigger: 'http',
    options: {
        route: ROUTES.syncRequestStatus,
        methods: ['GET'],
        authLevel: 'function',
        handler: createGetSyncRequestStatusHandler(getServices),
    },
};
