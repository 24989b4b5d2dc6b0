/**
 * The contract other helpers and infra rely on: function names, HTTP routes (below host.json's `api` prefix),
 * queue and connection setting expressions, the timer schedule. Registration tests check these against the
 * binding metadata the host receives and against the settings schema (src/config/settings.ts).
 */
export const FUNCTION_NAMES = {
    postSyncRequests: 'postSyncRequests',
    postInitialSyncRequests: 'postInitialSyncRequests',
    getSyncRequestStatus: 'getSyncRequestStatus',
    openApi: 'openApi',
    changeQueue: 'changeQueue',
    controlQueue: 'controlQueue',
    reconcileTimer: 'reconcileTimer',
    entraConfirmationTimer: 'entraConfirmationTimer',
    /** Its function keys are the read-only keys README "On-call" hands out. */
    statusPage: 'statusPage',
} as const;

export const ROUTES = {
    /** POST native requests, CloudEvents and Event Grid events; OPTIONS answers the CloudEvents webhook handshake. */
    syncRequests: 'sync/requests',
    /**
     * POST like `syncRequests`, and also Initial (full) syncs with function keys: its own function, so its own
     * function keys (threat model T11). Not below `sync/requests/`, where `{requestId}` would overlap it.
     */
    initialSyncRequests: 'sync/initial-requests',
    /** GET the status of an accepted request (Logic Apps async polling). */
    syncRequestStatus: 'sync/requests/{requestId}',
    openApi: 'openapi.json',
    /** GET the on-call status: JSON at `status`, the HTML page at `status/page` (and no other view). */
    status: 'status/{view:regex(^page$)?}',
} as const;

/** host.json `extensions.http.routePrefix`. */
const ROUTE_PREFIX = 'api';

/** App setting prefix of the identity-based Service Bus connection (`ServiceBusConnection__fullyQualifiedNamespace`). */
export const SERVICE_BUS_CONNECTION = 'ServiceBusConnection';
export const CHANGE_QUEUE_SETTING = 'CHANGE_QUEUE_NAME';
export const CONTROL_QUEUE_SETTING = 'CONTROL_QUEUE_NAME';

/** Every two minutes: well inside the engine's poll back-off, cheap enough to run always. */
export const RECONCILE_SCHEDULE = '0 */2 * * * *';

/** The path of the full-sync endpoint, without origin. */
export function fullSyncPath(): string {
    return `/${ROUTE_PREFIX}/${ROUTES.initialSyncRequests}`;
}
/** Every 30 seconds: how soon after its cycle a request learns it is in Entra ID (a no-op with ENTRA_CONFIRMATION=off). */
export const ENTRA_CONFIRMATION_SCHEDULE = '*/30 * * * * *';

/**
 * The status URL path of a request, without origin.
 * @param requestId - the request
 */
export function statusPath(requestId: string): string {
    return `/${ROUTE_PREFIX}/${ROUTES.syncRequests}/${encodeURIComponent(requestId)}`;
}
