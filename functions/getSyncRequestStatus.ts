import { app } from '@azure/functions';

import { createGetSyncRequestStatusHandler } from '../src/intake/getSyncRequestStatus';
import { FUNCTION_NAMES, ROUTES } from '../src/intake/routes';
import { getServices } from '../src/intake/runtime';

app.http(FUNCTION_NAMES.getSyncRequestStatus, {
    route: ROUTES.syncRequestStatus,
    methods: ['GET'],
    authLevel: 'function',
    handler: createGetSyncRequestStatusHandler(getServices),
});
