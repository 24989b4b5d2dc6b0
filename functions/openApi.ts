import { app } from '@azure/functions';

import { getOpenApi } from '../src/intake/getOpenApi';
import { FUNCTION_NAMES, ROUTES } from '../src/intake/routes';

app.http(FUNCTION_NAMES.openApi, {
    route: ROUTES.openApi,
    methods: ['GET'],
    authLevel: 'function',
    handler: getOpenApi,
});
