import { app } from '@azure/functions';

import { createPostSyncRequestsHandler } from '../src/intake/postSyncRequests';
import { FUNCTION_NAMES, ROUTES } from '../src/intake/routes';
import { getServices } from '../src/intake/runtime';

app.http(FUNCTION_NAMES.postSyncRequests, {
    route: ROUTES.syncRequests,
    methods: ['POST', 'OPTIONS'],
    authLevel: 'function',
    handler: createPostSyncRequestsHandler(getServices),
});
