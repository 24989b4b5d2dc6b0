import { app } from '@azure/functions';

import { getServices } from '../src/intake/runtime';
import { createStatusHandler } from '../src/status/statusHandler';

/** On-call status: `GET /api/status` (JSON), `GET /api/status/page` (HTML). Read-protected like request status. */
app.http('statusPage', {
    route: 'status/{view:regex(^page$)?}',
    methods: ['GET'],
    authLevel: 'function',
    handler: createStatusHandler(getServices),
});
