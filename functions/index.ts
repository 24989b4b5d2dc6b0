import { changeQueue } from './changeQueue';
import { controlQueue } from './controlQueue';
import { entraConfirmationTimer } from './entraConfirmationTimer';
import { getSyncRequestStatus } from './getSyncRequestStatus';
import { openApi } from './openApi';
import { postInitialSyncRequests } from './postInitialSyncRequests';
import { postSyncRequests } from './postSyncRequests';
import { reconcileTimer } from './reconcileTimer';
import { statusPage } from './statusPage';

/**
 * Every function of the app, in the order the host registers them. src/index.ts registers this list with the
 * Functions host and `npm start` serves it: a new function file is added here, and runs in both.
 */
export const FUNCTIONS = [
    postSyncRequests,
    postInitialSyncRequests,
    getSyncRequestStatus,
    openApi,
    statusPage,
    changeQueue,
    controlQueue,
    reconcileTimer,
    entraConfirmationTimer,
] as const;
