import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { getOpenApi } from '../src/transports/http/getOpenApi';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

export const openApi: FunctionRegistration = {
    name: FUNCTION_NAMES.openApi,
    trigger: 'http',
    options: { route: ROUTES.openApi, methods: ['GET'], authLevel: 'function', handler: getOpenApi },
};
