import { TIMING_SETTINGS } from '../domain/timing';

/**
 * Every setting the code reads, with its default and meaning. README's settings table, the sample
 * `local.settings.sample.json` and the infra consistency tests are checked against this list, so a new setting
 * is added here first.
 */
export interface SettingSpec {
    readonly name: string;
    /** The value used when the setting is absent; `undefined` means required (or optional with no default). */
    readonly default?: string;
    readonly required: boolean;
    /** Infra sets it in Azure (else the default is what Azure runs with). */
    readonly setByInfra: boolean;
    readonly description: string;
}

const spec = (
    name: string,
    description: string,
    options: { default?: string; required?: boolean; setByInfra?: boolean } = {},
): SettingSpec => ({
    name,
    description,
    required: options.required ?? false,
    setByInfra: options.setByInfra ?? false,
    ...(options.default === undefined ? {} : { default: options.default }),
});

export const SETTINGS = [
    // Targets, routing and timing
    spec(
        'SYNC_TARGETS',
        'JSON array of targets: `{ "id", "subscriptionId", "resourceGroup", "automationAccount", "runbook", "hybridWorkerGroup", "timing"? }`. `timing` overrides the SYNC_* timing settings for that target (same names in camelCase seconds: `quietSeconds`, `maxWaitSeconds`, …).',
        { required: true, setByInfra: true },
    ),
    spec(
        'SYNC_ROUTING',
        'JSON routing: `{ "defaultTarget": "id", "rules": [ { "upnSuffix": "contoso.com", "target": "id" }, { "domain": "CONTOSO", "target": "id" }, { "dnSuffix": "DC=contoso,DC=com", "target": "id" } ] }`. With one target and no routing, everything goes to it.',
        { default: '{"rules":[]}', setByInfra: true },
    ),
    // The timing settings, from the one table that describes them (src/domain/timing.ts).
    ...TIMING_SETTINGS.map((t) => spec(t.setting, t.meaning, { default: String(t.default) })),
    // Storage
    spec(
        'AzureWebJobsStorage',
        'Storage connection string (local: `UseDevelopmentStorage=true` for Azurite). In Azure use the identity-based `AzureWebJobsStorage__*` settings instead.',
    ),
    spec(
        'AzureWebJobsStorage__accountName',
        'Storage account name for identity-based connections (state tables use `https://<name>.table.core.windows.net`).',
        { setByInfra: true },
    ),
    spec(
        'AzureWebJobsStorage__tableServiceUri',
        'Table endpoint for identity-based connections; overrides the account name.',
        {
            setByInfra: true,
        },
    ),
    spec('AzureWebJobsStorage__credential', 'Set to `managedidentity` in Azure.', { setByInfra: true }),
    spec('AzureWebJobsStorage__clientId', 'Client id of the user-assigned identity for storage.', { setByInfra: true }),
    spec('STATE_TABLE_NAME', 'Table holding target state and finished runs.', {
        default: 'syncstate',
        setByInfra: true,
    }),
    spec('REQUEST_TABLE_NAME', 'Table holding accepted requests and idempotency keys.', {
        default: 'syncrequests',
        setByInfra: true,
    }),
    spec(
        'REQUEST_RETENTION_DAYS',
        'Keep accepted requests (and their idempotency keys) this many days; the reconcile timer deletes older ones.',
        { default: '30' },
    ),
    // Service Bus
    spec(
        'ServiceBusConnection__fullyQualifiedNamespace',
        'Service Bus namespace host (`<ns>.servicebus.windows.net`) for identity-based trigger and sender.',
        { setByInfra: true },
    ),
    spec('ServiceBusConnection__credential', 'Set to `managedidentity` in Azure.', { setByInfra: true }),
    spec('ServiceBusConnection__clientId', 'Client id of the user-assigned identity for Service Bus.', {
        setByInfra: true,
    }),
    spec('CHANGE_QUEUE_NAME', 'Queue of AD change events (Service Bus trigger, batched).', {
        default: 'ad-changes',
        setByInfra: true,
    }),
    spec(
        'CHANGE_QUEUE_ALLOW_INITIAL',
        '`true`: change-queue messages may ask for an Initial (full) sync. `false`: such a message is dead-lettered with reason `INITIAL_NOT_GRANTED`, never downgraded to Delta. Anyone with Data Sender on the queue can send one, so this is the grant for that path.',
        { default: 'false' },
    ),
    spec(
        'INVALID_CHANGE_QUEUE_NAME',
        'Quarantine queue for permanently invalid change messages: each is sent here with its reason and then dead-lettered with `DeadLetterReason` (problem code) and `DeadLetterErrorDescription` (field errors). Read its dead-letter queue.',
        { default: 'ad-changes-invalid', setByInfra: true },
    ),
    spec('CONTROL_QUEUE_NAME', 'Queue of the engine’s scheduled wake-ups.', {
        default: 'sync-control',
        setByInfra: true,
    }),
    // Automation and identity
    spec('AZURE_CLIENT_ID', 'Client id of the user-assigned managed identity; unset locally (developer credentials).', {
        setByInfra: true,
    }),
    spec(
        'AUTOMATION_MODE',
        '`azure`: start jobs through the Automation REST API. `simulated`: a simulated Entra Connect server (local runs only).',
        { default: 'azure', setByInfra: true },
    ),
    spec('AUTOMATION_ENDPOINT', 'Azure Resource Manager endpoint (sovereign clouds, tests).', {
        default: 'https://management.azure.com',
    }),
    spec('AUTOMATION_RETRY_BUDGET_SECONDS', 'Total time one Automation call may spend retrying 429/5xx.', {
        default: '30',
    }),
    // Telemetry
    spec(
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'Application Insights connection string; telemetry is off without it.',
        {
            setByInfra: true,
        },
    ),
    spec(
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        '`Authorization=AAD;ClientId=<client id>` for Entra-authenticated ingestion (local auth off).',
        { setByInfra: true },
    ),
    spec(
        'TELEMETRY_USER_IDENTIFIERS',
        '`none`: no object references in telemetry. `hashed`: salted SHA-256. `plain`: as sent (opt-in).',
        { default: 'none' },
    ),
    spec('TELEMETRY_HASH_SALT', 'Salt for `hashed` user identifiers.', { default: 'entra-sync-trigger' }),
    spec('WORKBOOK_URL', 'Link to the Azure Monitor workbook, shown on the status page.', { setByInfra: true }),
    spec(
        'PORTAL_URL',
        'Azure portal origin for the status page’s per-run links (e.g. `https://portal.azure.com`). Unset: no portal links.',
        { setByInfra: true },
    ),
    spec(
        'PORTAL_TENANT_ID',
        'Directory the portal links open in (`#@<tenant>`); unset: the user’s default directory.',
        {
            setByInfra: true,
        },
    ),
    spec(
        'APPLICATION_INSIGHTS_RESOURCE_ID',
        'Resource id of the Application Insights component: each run on the status page links to its telemetry (Logs, by operation id). Unset: no telemetry links.',
        { setByInfra: true },
    ),
    // Entra ID confirmation (issue 16; see docs/ENTRA-CONFIRMATION.md)
    spec(
        'ENTRA_CONFIRMATION',
        '`on`: after the cycle that covers a change naming an object (objectGUID or UPN), look the object up in Microsoft Entra ID (Microsoft Graph, managed identity, `User.Read.All`) and report `confirmed in Entra ID` or `NotVisibleInEntra`; the request is final only then. `off`: the cycle outcome is the final answer.',
        { default: 'off', setByInfra: true },
    ),
    spec(
        'ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS',
        'When an object is not in Entra ID after its cycle, wait this long (AD replication) before the one extra run.',
        { default: '120' },
    ),
    spec(
        'ENTRA_CONFIRMATION_EXTRA_RUNS',
        'Extra runs per request when an object is missing: `1` (default) or `0` (answer `NotVisibleInEntra` at once).',
        { default: '1' },
    ),
    spec(
        'ENTRA_CONFIRMATION_LOOKUPS_PER_PASS',
        'Microsoft Graph requests one confirmation pass (every 30 s) may make over all requests (20–3000); one request gets at most a fifth of them before every other due request had its turn. Each Graph request looks up to 15 objects up.',
        { default: '300' },
    ),
    spec(
        'ENTRA_CONFIRMATION_LOOKUP_DEADLINE_SECONDS',
        'An object whose Graph lookups keep failing (throttled, unavailable, refused, an answer that fails its checks) is given up this long after the first failure (60–86400): the request ends `NotVisibleInEntra` with reason `lookupFailed`.',
        { default: '900' },
    ),
    spec('GRAPH_ENDPOINT', 'Microsoft Graph endpoint (national clouds, tests).', {
        default: 'https://graph.microsoft.com',
    }),
    spec(
        'GRAPH_MAX_RETRIES',
        'Retries of a throttled (429) or unavailable (503/504) Graph call within one confirmation pass, each after its `Retry-After` (at least 1 s, doubling) and only when that is at most 5 s; longer waits defer the objects to a later pass.',
        {
            default: '3',
        },
    ),
    // HTTP
    spec(
        'PUBLIC_BASE_URL',
        'Base URL for absolute `Location` headers (e.g. behind a gateway). Default: `https://` + the platform’s `WEBSITE_HOSTNAME` (`http://` for a loopback name, as Core Tools and `npm start` set it); never the request’s `Host` header.',
    ),
    spec(
        'AUTH_MODE',
        '`functionKeys`: the host checks function keys. `appRoles`: App Service Authentication is on and app roles are read from the client principal header; refused at start-up unless the platform says its authentication is on (`WEBSITE_AUTH_ENABLED=True`).',
        { default: 'functionKeys', setByInfra: true },
    ),
    spec(
        'AUTH_LOCAL_UNVERIFIED_PRINCIPAL',
        'Local testing of `AUTH_MODE=appRoles` only: `true` runs appRoles without App Service Authentication, trusting `x-ms-client-principal` as sent. Refused on App Service (`WEBSITE_SITE_NAME` set).',
        { default: 'false' },
    ),
    spec('AUTH_ROLE_DELTA', 'App role needed to request Delta cycles and post change events.', {
        default: 'Sync.Request',
    }),
    spec('AUTH_ROLE_INITIAL', 'App role needed to request an Initial (full) cycle.', { default: 'Sync.FullSync' }),
    spec('AUTH_ROLE_READ', 'App role needed to read request status and the status page.', { default: 'Sync.Read' }),
    spec('INITIAL_MIN_INTERVAL_SECONDS', 'At most one accepted Initial request per target in this period.', {
        default: '3600',
    }),
    spec('HTTP_MAX_BODY_BYTES', 'Largest accepted request body.', { default: '1048576' }),
    spec('MAX_CHANGES_PER_REQUEST', 'Largest batch of changes in one request or message.', { default: '5000' }),
    spec('STATUS_RETRY_AFTER_SECONDS', '`Retry-After` on 202 answers.', { default: '10' }),
    // Simulated Entra Connect server (AUTOMATION_MODE=simulated, local runs and benchmarks only; see docs/LOCAL.md)
    spec('SIMULATED_CONNECT_SEED', 'Seed of the simulation’s random choices (same seed, same history).', {
        default: '1',
    }),
    spec('SIMULATED_CONNECT_WORKER_POLL_SECONDS', 'The simulated Hybrid Worker picks up new jobs this often.', {
        default: '30',
    }),
    spec('SIMULATED_CONNECT_CYCLE_SECONDS', 'Duration of a simulated Delta cycle with nothing to import.', {
        default: '40',
    }),
    spec('SIMULATED_CONNECT_INITIAL_CYCLE_SECONDS', 'Minimum duration of a simulated Initial (full) cycle.', {
        default: '1200',
    }),
    spec('SIMULATED_CONNECT_PER_CHANGE_MS', 'Each change imported adds this many milliseconds to a simulated cycle.', {
        default: '10',
    }),
    spec(
        'SIMULATED_CONNECT_SCHEDULER_MINUTES',
        'Interval of the simulated built-in scheduler’s own Delta cycles; 0 turns it off.',
        { default: '30' },
    ),
    spec('SIMULATED_CONNECT_STAGING_MODE', '`true`: the simulated server is in staging mode (never exports).', {
        default: 'false',
    }),
    spec('SIMULATED_CONNECT_EXPORT_ERROR_RATE', 'Probability (0–1) that a simulated cycle ends with export errors.', {
        default: '0',
    }),
    spec('SIMULATED_CONNECT_FAILURE_RATE', 'Probability (0–1) that a simulated runbook fails outright.', {
        default: '0',
    }),
    spec('LOCAL_HTTP_PORT', '`npm start`: HTTP port of the embedded local host.', { default: '7071' }),
    spec(
        'LOCAL_STORAGE',
        '`npm start`: `azurite` (started automatically, data in `.local/azurite`), `memory`, or `external` (use AzureWebJobsStorage as given). Default: `azurite` unless AzureWebJobsStorage names something other than `UseDevelopmentStorage=true`.',
    ),
    spec('LOCAL_DATA_DIR', '`npm start`: folder for local state (Azurite data in `<dir>/azurite`).', {
        default: '.local',
    }),
    spec('LOCAL_TIME_SCALE', '`npm start`: run the clock this many times faster than real time (demos).', {
        default: '1',
    }),
    spec(
        'SIMULATED_DIRECTORY_LAG_RATE',
        'Simulated Entra ID (ENTRA_CONFIRMATION=on, AUTOMATION_MODE=simulated): probability (0–1) that an object reaches the domain controller the Connect server reads only after SIMULATED_DIRECTORY_LAG_SECONDS.',
        { default: '0' },
    ),
    spec('SIMULATED_DIRECTORY_LAG_SECONDS', 'Replication lag of a lagging simulated object.', { default: '300' }),
    spec(
        'SIMULATED_CONNECT_WORKER',
        'Simulated Hybrid Worker: `online`, `offline` (jobs stay queued) or `hung` (jobs never finish).',
        { default: 'online' },
    ),
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];

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

const BY_NAME: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.name, s]));

/**
 * The spec of a setting.
 * @param name - the setting
 */
export function settingSpec(name: SettingName): SettingSpec {
    const found = BY_NAME.get(name);
    if (found === undefined) throw new Error(`Setting ${name} is not registered`);
    return found;
}
