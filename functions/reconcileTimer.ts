import { app } from '@azure/functions';

import { createReconcileTimerHandler } from '../src/intake/reconcileTimerHandler';
import { FUNCTION_NAMES, RECONCILE_SCHEDULE } from '../src/intake/routes';
import { getServices } from '../src/intake/runtime';

app.timer(FUNCTION_NAMES.reconcileTimer, {
    schedule: RECONCILE_SCHEDULE,
    runOnStartup: false,
    useMonitor: true,
    handler: createReconcileTimerHandler(getServices),
});
