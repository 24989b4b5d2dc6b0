import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { createStatusHandler } from '../src/transports/http/statusHandler';
import { FUNCTION_NAMES, ROUTES } from '../src/transports/routes';

/** On-call status: `GET /api/status` (JSON), `GET /api/status/page` (HTML). Read-protected like request status. */
export const statusPage: FunctionRegistration = {
    name: FUNCTION_NAMES.statusPage,
    trigger: 'http',
    options: {
        route: ROUTES.status,
        methods: ['GET'],
        authLevel: 'function',
        handler: createStatusHandler(getServices),
    },
};
