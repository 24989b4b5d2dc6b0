import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { CHANGES_ENTRY, createPostSyncRequestsHandler } from '../src/transports/http/postSyncRequests';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

app.http(FUNCTION_NAMES.postSyncRequests, {
    route: ROUTES.syncRequests,
    methods: ['POST', 'OPTIONS'],
    authLevel: 'function',
    handler: createPostSyncRequestsHandler(getServices, CHANGES_ENTRY),
});
