import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { ENTRA_CONFIRMATION_SCHEDULE, FUNCTION_NAMES } from '../src/transports/routes';
import { createEntraConfirmationTimerHandler } from '../src/transports/timer/entraConfirmationTimerHandler';

app.timer(FUNCTION_NAMES.entraConfirmationTimer, {
    schedule: ENTRA_CONFIRMATION_SCHEDULE,
    runOnStartup: false,
    useMonitor: false,
    handler: createEntraConfirmationTimerHandler(getServices),
});
