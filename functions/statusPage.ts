import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { createStatusHandler } from '../src/transports/http/statusHandler';

/** On-call status: `GET /api/status` (JSON), `GET /api/status/page` (HTML). Read-protected like request status. */
app.http('statusPage', {
    route: 'status/{view:regex(^page$)?}',
    methods: ['GET'],
    authLevel: 'function',
    handler: createStatusHandler(getServices),
});
