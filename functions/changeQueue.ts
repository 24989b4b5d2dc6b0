import { app } from '@azure/functions';

import { createChangeQueueHandler } from '../src/intake/changeQueueHandler';
import { CHANGE_QUEUE_SETTING, FUNCTION_NAMES, SERVICE_BUS_CONNECTION } from '../src/intake/routes';
import { getServices } from '../src/intake/runtime';

app.serviceBusQueue(FUNCTION_NAMES.changeQueue, {
    connection: SERVICE_BUS_CONNECTION,
    queueName: `%${CHANGE_QUEUE_SETTING}%`,
    cardinality: 'many',
    isSessionsEnabled: false,
    handler: createChangeQueueHandler(getServices),
});
