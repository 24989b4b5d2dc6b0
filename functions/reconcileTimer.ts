import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { FUNCTION_NAMES, RECONCILE_SCHEDULE } from '../src/transports/routes';
import { createReconcileTimerHandler } from '../src/transports/timer/reconcileTimerHandler';

app.timer(FUNCTION_NAMES.reconcileTimer, {
    schedule: RECONCILE_SCHEDULE,
    runOnStartup: false,
    useMonitor: true,
    handler: createReconcileTimerHandler(getServices),
});
