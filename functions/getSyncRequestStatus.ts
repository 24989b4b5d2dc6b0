import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { createGetSyncRequestStatusHandler } from '../src/transports/http/getSyncRequestStatus';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

app.http(FUNCTION_NAMES.getSyncRequestStatus, {
    route: ROUTES.syncRequestStatus,
    methods: ['GET'],
    authLevel: 'function',
    handler: createGetSyncRequestStatusHandler(getServices),
});
