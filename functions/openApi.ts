import { app } from '@azure/functions';

import { getOpenApi } from '../src/transports/http/getOpenApi';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

app.http(FUNCTION_NAMES.openApi, {
    route: ROUTES.openApi,
    methods: ['GET'],
    authLevel: 'function',
    handler: getOpenApi,
});
