/**
 * Every setting the code reads, each described once as a zod schema with its default, format and meaning
 * (src/config/settingSchema.ts), in groups parsed where they are used: the app's (loadConfig), the simulated
 * Entra Connect server's and directory's, and `npm start`'s. README's settings table, docs/SETTINGS.md,
 * local.settings.sample.json and the infra consistency tests are generated from or checked against {@link SETTINGS},
 * so a new setting is added to a group here first.
 */
import { z } from 'zod';

import { LOCAL_HOST_SETTINGS } from './localHostSettings';
import {
    anyText,
    documented,
    type DocumentedSetting,
    flag,
    httpUrl,
    matching,
    oneOf,
    optionalSetting,
    setting,
    wholeNumber,
} from './settingSchema';
import { SIMULATED_CONNECT_SETTINGS } from './simulatedConnectSettings';
import { SIMULATED_DIRECTORY_SETTINGS } from './simulatedDirectorySettings';
import { TARGET_SETTINGS } from './targetSettings';
import { TIMING_SETTINGS } from './timingSettings';

const tableName = () =>
    matching(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name', 'table name (3–63 letters and digits)');
const queueName = () =>
    matching(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/,
        'must be a valid queue name',
        'queue name (letters, digits, `.` `_` `-`)',
    );

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Insights/components/<name>`, any letter case. */
const COMPONENT_ID =
    /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/microsoft\.insights\/components\/[-\w.()]{1,260}$/i;

/** A tenant id (GUID) or a verified domain name such as `contoso.onmicrosoft.com`. */
const TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i;

/** Storage: where state and requests are kept. */
const STORAGE = {
    AzureWebJobsStorage: optionalSetting(anyText(), {
        description:
            'Storage connection string (local: `UseDevelopmentStorage=true` for Azurite). In Azure use the identity-based `AzureWebJobsStorage__*` settings instead.',
    }),
    AzureWebJobsStorage__accountName: optionalSetting(
        matching(/^[a-z0-9]{3,24}$/, 'must be a storage account name', 'storage account name'),
        {
            setByInfra: true,
            description:
                'Storage account name for identity-based connections (state tables use `https://<name>.table.core.windows.net`).',
        },
    ),
    AzureWebJobsStorage__tableServiceUri: optionalSetting(httpUrl(), {
        setByInfra: true,
        description: 'Table endpoint for identity-based connections; overrides the account name.',
    }),
    AzureWebJobsStorage__credential: optionalSetting(anyText(), {
        setByInfra: true,
        description: 'Set to `managedidentity` in Azure.',
    }),
    AzureWebJobsStorage__clientId: optionalSetting(anyText(), {
        setByInfra: true,
        description: 'Client id of the user-assigned identity for storage.',
    }),
    STATE_TABLE_NAME: setting(tableName(), {
        default: 'syncstate',
        setByInfra: true,
        description: 'Table holding target state and finished runs.',
    }),
    REQUEST_TABLE_NAME: setting(tableName(), {
        default: 'syncrequests',
        setByInfra: true,
        description: 'Table holding accepted requests and idempotency keys.',
    }),
    REQUEST_RETENTION_DAYS: setting(wholeNumber(1, 3650), {
        default: '30',
        description:
            'Keep accepted requests (and their idempotency keys) this many days; the reconcile timer deletes older ones.',
    }),
};

/** Service Bus: the change queue, its quarantine, the control queue of wake-ups. */
const SERVICE_BUS = {
    ServiceBusConnection__fullyQualifiedNamespace: optionalSetting(anyText(), {
        setByInfra: true,
        description:
            'Service Bus namespace host (`<ns>.servicebus.windows.net`) for identity-based trigger and sender.',
    }),
    ServiceBusConnection__credential: optionalSetting(anyText(), {
        setByInfra: true,
        description: 'Set to `managedidentity` in Azure.',
    }),
    ServiceBusConnection__clientId: optionalSetting(anyText(), {
        setByInfra: true,
        description: 'Client id of the user-assigned identity for Service Bus.',
    }),
    CHANGE_QUEUE_NAME: setting(queueName(), {
        default: 'ad-changes',
        setByInfra: true,
        description: 'Queue of AD change events (Service Bus trigger, batched).',
    }),
    CHANGE_QUEUE_ALLOW_INITIAL: setting(flag(), {
        default: 'false',
        description:
            '`true`: change-queue messages may ask for an Initial (full) sync. `false`: such a message is dead-lettered with reason `INITIAL_NOT_GRANTED`, never downgraded to Delta. Anyone with Data Sender on the queue can send one, so this is the grant for that path.',
    }),
    INVALID_CHANGE_QUEUE_NAME: setting(queueName(), {
        default: 'ad-changes-invalid',
        setByInfra: true,
        description:
            'Quarantine queue for permanently invalid change messages: each is sent here with its reason and then dead-lettered with `DeadLetterReason` (problem code) and `DeadLetterErrorDescription` (field errors). Read its dead-letter queue.',
    }),
    CONTROL_QUEUE_NAME: setting(queueName(), {
        default: 'sync-control',
        setByInfra: true,
        description: 'Queue of the engine’s scheduled wake-ups.',
    }),
};

/** Automation and the app's identity. */
const AUTOMATION = {
    AZURE_CLIENT_ID: optionalSetting(anyText(), {
        setByInfra: true,
        description: 'Client id of the user-assigned managed identity; unset locally (developer credentials).',
    }),
    AUTOMATION_MODE: setting(oneOf(['azure', 'simulated']), {
        default: 'azure',
        setByInfra: true,
        description:
            '`azure`: start jobs through the Automation REST API. `simulated`: a simulated Entra Connect server (local runs only).',
    }),
    AUTOMATION_ENDPOINT: setting(httpUrl(), {
        default: 'https://management.azure.com',
        description: 'Azure Resource Manager endpoint (sovereign clouds, tests).',
    }),
    AUTOMATION_RETRY_BUDGET_SECONDS: setting(wholeNumber(0, 600), {
        default: '30',
        description: 'Total time one Automation call may spend retrying 429/5xx.',
    }),
};

/** Telemetry and the status page's links. */
const TELEMETRY = {
    APPLICATIONINSIGHTS_CONNECTION_STRING: optionalSetting(anyText(), {
        setByInfra: true,
        description: 'Application Insights connection string; telemetry is off without it.',
    }),
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: optionalSetting(anyText(), {
        setByInfra: true,
        description: '`Authorization=AAD;ClientId=<client id>` for Entra-authenticated ingestion (local auth off).',
    }),
    TELEMETRY_USER_IDENTIFIERS: setting(oneOf(['none', 'hashed', 'plain']), {
        default: 'none',
        description: '`none`: no object references in telemetry. `hashed`: salted SHA-256. `plain`: as sent (opt-in).',
    }),
    TELEMETRY_HASH_SALT: setting(anyText(), {
        default: 'entra-sync-trigger',
        description: 'Salt for `hashed` user identifiers.',
    }),
    WORKBOOK_URL: optionalSetting(httpUrl(), {
        setByInfra: true,
        description: 'Link to the Azure Monitor workbook, shown on the status page.',
    }),
    PORTAL_URL: optionalSetting(httpUrl(), {
        setByInfra: true,
        description:
            'Azure portal origin for the status page’s per-run links (e.g. `https://portal.azure.com`). Unset: no portal links.',
    }),
    PORTAL_TENANT_ID: optionalSetting(
        matching(TENANT, 'must be a tenant id (GUID) or domain name', 'tenant id (GUID) or domain name'),
        {
            setByInfra: true,
            description: 'Directory the portal links open in (`#@<tenant>`); unset: the user’s default directory.',
        },
    ),
    APPLICATION_INSIGHTS_RESOURCE_ID: optionalSetting(
        matching(
            COMPONENT_ID,
            'must be an Application Insights component resource id (/subscriptions/…/providers/Microsoft.Insights/components/<name>)',
            'resource id',
        ),
        {
            setByInfra: true,
            description:
                'Resource id of the Application Insights component: each run on the status page links to its telemetry (Logs, by operation id). Unset: no telemetry links.',
        },
    ),
};

/** Entra ID confirmation (docs/ENTRA-CONFIRMATION.md). */
const CONFIRMATION = {
    ENTRA_CONFIRMATION: setting(oneOf(['on', 'off']), {
        default: 'off',
        setByInfra: true,
        description:
            '`on`: after the cycle that covers a change naming an object (objectGUID or UPN), look the object up in Microsoft Entra ID (Microsoft Graph, managed identity, `User.Read.All`) and report `confirmed in Entra ID` or `NotVisibleInEntra`; the request is final only then. `off`: the cycle outcome is the final answer.',
    }),
    ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS: setting(wholeNumber(0, 3600), {
        default: '120',
        description:
            'When an object is not in Entra ID after its cycle, wait this long (AD replication) before the one extra run.',
    }),
    ENTRA_CONFIRMATION_EXTRA_RUNS: setting(wholeNumber(0, 1), {
        default: '1',
        description:
            'Extra runs per request when an object is missing: `1` (default) or `0` (answer `NotVisibleInEntra` at once).',
    }),
    ENTRA_CONFIRMATION_LOOKUPS_PER_PASS: setting(wholeNumber(20, 3000), {
        default: '300',
        description:
            'Microsoft Graph requests one confirmation pass (every 30 s) may make over all requests; one request gets at most a fifth of them before every other due request had its turn. Each Graph request looks up to 15 objects up.',
    }),
    ENTRA_CONFIRMATION_LOOKUP_DEADLINE_SECONDS: setting(wholeNumber(60, 86_400), {
        default: '900',
        description:
            'An object whose Graph lookups keep failing (throttled, unavailable, refused, an answer that fails its checks) is given up this long after the first failure: the request ends `NotVisibleInEntra` with reason `lookupFailed`.',
    }),
    GRAPH_ENDPOINT: setting(httpUrl(), {
        default: 'https://graph.microsoft.com',
        description: 'Microsoft Graph endpoint (national clouds, tests).',
    }),
    GRAPH_MAX_RETRIES: setting(wholeNumber(0, 10), {
        default: '3',
        description:
            'Retries of a throttled (429) or unavailable (503/504) Graph call within one confirmation pass, each after its `Retry-After` (at least 1 s, doubling) and only when that is at most 5 s; longer waits defer the objects to a later pass.',
    }),
};

/** The HTTP surface: addresses, authorization, limits. */
const HTTP = {
    PUBLIC_BASE_URL: optionalSetting(httpUrl(), {
        description:
            'Base URL for absolute `Location` headers (e.g. behind a gateway). Default: `https://` + the platform’s `WEBSITE_HOSTNAME` (`http://` for a loopback name, as Core Tools and `npm start` set it); never the request’s `Host` header.',
    }),
    AUTH_MODE: setting(oneOf(['functionKeys', 'appRoles']), {
        default: 'functionKeys',
        setByInfra: true,
        description:
            '`functionKeys`: the host checks function keys. `appRoles`: App Service Authentication is on and app roles are read from the client principal header; refused at start-up unless the platform says its authentication is on (`WEBSITE_AUTH_ENABLED=True`).',
    }),
    AUTH_LOCAL_UNVERIFIED_PRINCIPAL: setting(flag(), {
        default: 'false',
        description:
            'Local testing of `AUTH_MODE=appRoles` only: `true` runs appRoles without App Service Authentication, trusting `x-ms-client-principal` as sent. Refused on App Service (`WEBSITE_SITE_NAME` set).',
    }),
    AUTH_ROLE_DELTA: setting(anyText(), {
        default: 'Sync.Request',
        description: 'App role needed to request Delta cycles and post change events.',
    }),
    AUTH_ROLE_INITIAL: setting(anyText(), {
        default: 'Sync.FullSync',
        description: 'App role needed to request an Initial (full) cycle.',
    }),
    AUTH_ROLE_READ: setting(anyText(), {
        default: 'Sync.Read',
        description: 'App role needed to read request status and the status page.',
    }),
    INITIAL_MIN_INTERVAL_SECONDS: setting(wholeNumber(0, 7 * 86_400), {
        default: '3600',
        description: 'At most one accepted Initial request per target in this period.',
    }),
    HTTP_MAX_BODY_BYTES: setting(wholeNumber(1024, 100 * 1024 * 1024), {
        default: '1048576',
        description: 'Largest accepted request body.',
    }),
    MAX_CHANGES_PER_REQUEST: setting(wholeNumber(1, 100_000), {
        default: '5000',
        description: 'Largest batch of changes in one request or message.',
    }),
    STATUS_RETRY_AFTER_SECONDS: setting(wholeNumber(1, 3600), {
        default: '10',
        description: '`Retry-After` on 202 answers.',
    }),
};

/** The app's settings besides targets and timing, read by loadConfig. */
export const APP_SETTINGS = z.object({
    ...STORAGE,
    ...SERVICE_BUS,
    ...AUTOMATION,
    ...TELEMETRY,
    ...CONFIRMATION,
    ...HTTP,
});

/** Every setting, in the docs' order: what the app reads, then what only local runs read. */
export const SETTINGS: readonly DocumentedSetting[] = [
    TARGET_SETTINGS,
    TIMING_SETTINGS,
    APP_SETTINGS,
    SIMULATED_CONNECT_SETTINGS,
    SIMULATED_DIRECTORY_SETTINGS,
    LOCAL_HOST_SETTINGS,
].flatMap(documented);

/** The settings only local runs read (`npm start` and its simulations), for docs/LOCAL.md. */
export const LOCAL_RUN_SETTINGS: readonly DocumentedSetting[] = [
    LOCAL_HOST_SETTINGS,
    SIMULATED_CONNECT_SETTINGS,
    SIMULATED_DIRECTORY_SETTINGS,
].flatMap(documented);

const BY_NAME: ReadonlyMap<string, DocumentedSetting> = new Map(SETTINGS.map((s) => [s.name, s]));

/**
 * The documentation of a setting.
 * @param name - the setting
 * @throws Error when no group describes it
 */
export function settingSpec(name: string): DocumentedSetting {
    const found = BY_NAME.get(name);
    if (found === undefined) throw new Error(`Setting ${name} is not registered`);
    return found;
}

/**
 * A setting's default as it would be set, or undefined when it has none (or is not a setting of this app).
 * @param name - the setting
 */
export function settingDefault(name: string): string | undefined {
    return BY_NAME.get(name)?.default;
}

/**
 * Variables the platform sets (App Service / Functions, Core Tools, `npm start`), read but never configured: they
 * are not app settings, so they are in no sample, table or infra (Core Tools refuses a local.settings.json that
 * sets WEBSITE_HOSTNAME). docs/API.md (Authorization) says how each is used.
 */
export const PLATFORM_VARIABLES = {
    /** `True` when App Service Authentication is on (learn.microsoft.com/azure/app-service/reference-app-settings). */
    authEnabled: 'WEBSITE_AUTH_ENABLED',
    /** The app's default host name (`<app>.azurewebsites.net`); Core Tools sets `localhost:<port>`. */
    hostName: 'WEBSITE_HOSTNAME',
    /** The app's name; set on every App Service / Functions instance, never by `npm start`. */
    siteName: 'WEBSITE_SITE_NAME',
} as const;
