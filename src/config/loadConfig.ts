import { z } from 'zod';

import type { UserIdentifierMode } from '../adapters/appInsights/userIdentifiers';
import type { StorageConnection } from '../adapters/tables/tableClients';
import type { Routing, RoutingRule } from '../domain/routing';
import type { Target } from '../domain/target';
import { type TargetTiming, TIMING_SETTINGS, timingFrom, type TimingRow } from '../domain/timing';
import { ConfigError } from '../errors';
import { PLATFORM_VARIABLES, type SettingName, settingSpec } from './settings';

export type Env = Readonly<Record<string, string | undefined>>;

type AuthMode = 'functionKeys' | 'appRoles';
type AutomationMode = 'azure' | 'simulated';

/** The whole validated configuration. Frozen; loaded once at start. */
export interface Config {
    readonly targets: ReadonlyMap<string, Target>;
    readonly routing: Routing;
    readonly storage: StorageConnection | null;
    readonly stateTableName: string;
    readonly requestTableName: string;
    /** How long a request and its idempotency key are kept after acceptance. */
    readonly requestRetentionMs: number;
    readonly serviceBus: { readonly fullyQualifiedNamespace: string | null; readonly clientId: string | null };
    readonly changeQueueName: string;
    readonly controlQueueName: string;
    /** Change-queue messages may ask for Initial (CHANGE_QUEUE_ALLOW_INITIAL); else they are dead-lettered. */
    readonly changeQueueAllowsInitial: boolean;
    /** Quarantine queue whose dead-letter queue holds invalid change messages with their reason. */
    readonly invalidChangeQueueName: string;
    readonly automation: {
        readonly mode: AutomationMode;
        readonly endpoint: string;
        readonly clientId: string | null;
        readonly retryBudgetMs: number;
    };
    readonly telemetry: {
        readonly connectionString: string | null;
        readonly authenticationString: string | null;
        readonly userIdentifiers: UserIdentifierMode;
        readonly hashSalt: string;
        readonly workbookUrl: string | null;
        /** Status page deep links into the portal; null when PORTAL_URL is unset. */
        readonly portalLinks: {
            readonly portalUrl: string;
            readonly tenantId: string | null;
            readonly appInsightsResourceId: string | null;
        } | null;
    };
    /** ENTRA_CONFIRMATION and its settings (issue 16). */
    readonly confirmation: {
        readonly enabled: boolean;
        readonly extraRunDelayMs: number;
        readonly maxExtraRuns: number;
        readonly graphEndpoint: string;
        readonly graphMaxRetries: number;
        /** Graph requests one timer pass may make (ENTRA_CONFIRMATION_LOOKUPS_PER_PASS). */
        readonly lookupsPerPass: number;
        /** A failing object is given up this long after its first failed lookup. */
        readonly lookupDeadlineMs: number;
    };
    readonly http: {
        /** Base of absolute `Location` URLs: PUBLIC_BASE_URL, else the platform's host name; null: relative. */
        readonly publicBaseUrl: string | null;
        readonly authMode: AuthMode;
        readonly roles: { readonly delta: string; readonly initial: string; readonly read: string };
        readonly initialMinIntervalMs: number;
        readonly maxBodyBytes: number;
        readonly maxChangesPerRequest: number;
        readonly retryAfterSeconds: number;
    };
}

/** Reads one registered setting, falling back to its documented default. */
function raw(env: Env, name: SettingName): string | undefined {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    return settingSpec(name).default;
}

function required(env: Env, name: SettingName): string {
    const value = raw(env, name);
    if (value === undefined) throw new ConfigError(name, 'is required but not set');
    return value;
}

function optional(env: Env, name: SettingName): string | null {
    return raw(env, name) ?? null;
}

function integer(env: Env, name: SettingName, min: number, max: number): number {
    const text = required(env, name);
    if (!/^-?\d+$/.test(text)) throw new ConfigError(name, `must be a whole number, got "${text}"`);
    const value = Number(text);
    if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
}

function oneOf<T extends string>(env: Env, name: SettingName, allowed: readonly T[]): T {
    const value = required(env, name);
    const found = allowed.find((a) => a === value);
    if (found === undefined) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
    return found;
}

function url(env: Env, name: SettingName): string | null {
    const value = optional(env, name);
    if (value === null) return null;
    try {
        const parsed = new URL(value);
        if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
        throw new ConfigError(name, `must be an absolute http(s) URL, got "${value}"`);
    }
    return value.replace(/\/+$/, '');
}

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Insights/components/<name>`, any letter case. */
const COMPONENT_ID =
    /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/microsoft\.insights\/components\/[-\w.()]{1,260}$/i;

/** A tenant id (GUID) or a verified domain name such as `contoso.onmicrosoft.com`. */
const TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i;

function loadPortalLinks(env: Env): Config['telemetry']['portalLinks'] {
    const portalUrl = url(env, 'PORTAL_URL');
    const tenantId = optional(env, 'PORTAL_TENANT_ID');
    const appInsightsResourceId = optional(env, 'APPLICATION_INSIGHTS_RESOURCE_ID');
    if (tenantId !== null && !TENANT.test(tenantId)) {
        throw new ConfigError('PORTAL_TENANT_ID', `must be a tenant id (GUID) or domain name, got "${tenantId}"`);
    }
    if (appInsightsResourceId !== null && !COMPONENT_ID.test(appInsightsResourceId)) {
        throw new ConfigError(
            'APPLICATION_INSIGHTS_RESOURCE_ID',
            `must be an Application Insights component resource id (/subscriptions/…/providers/Microsoft.Insights/components/<name>), got "${appInsightsResourceId}"`,
        );
    }
    return portalUrl === null ? null : { portalUrl, tenantId, appInsightsResourceId };
}

function flag(env: Env, name: SettingName): boolean {
    return oneOf(env, name, ['true', 'false'] as const) === 'true';
}

/** A variable the platform sets (never an app setting); null when absent or blank. */
function platform(env: Env, name: (typeof PLATFORM_VARIABLES)[keyof typeof PLATFORM_VARIABLES]): string | null {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
}

/**
 * Where `Location` URLs point: PUBLIC_BASE_URL, else the host name the platform gives the app (App Service and
 * Flex Consumption set WEBSITE_HOSTNAME to `<app>.azurewebsites.net`; Core Tools and `npm start` set
 * `localhost:<port>`, served over plain http). Never the request's Host header, which the caller chooses.
 * Null outside any host (unit tests): the Location is then a relative reference (RFC 9110 §10.2.2).
 */
function publicBaseUrl(env: Env): string | null {
    const configured = url(env, 'PUBLIC_BASE_URL');
    if (configured !== null) return configured;
    const hostName = platform(env, PLATFORM_VARIABLES.hostName);
    if (hostName === null) return null;
    const loopback = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i.test(hostName);
    try {
        return new URL(`${loopback ? 'http' : 'https'}://${hostName}`).origin;
    } catch {
        throw new ConfigError(PLATFORM_VARIABLES.hostName, `is not a host name, got "${hostName}"`);
    }
}

/**
 * AUTH_MODE, refused as `appRoles` unless the platform's authentication is on: the app trusts the
 * `x-ms-client-principal` header only because App Service Authentication strips a caller's copy and injects its
 * own; without it anyone can send the header and claim any role. App Service sets WEBSITE_AUTH_ENABLED=True
 * when its authentication is on. For local tests of appRoles, AUTH_LOCAL_UNVERIFIED_PRINCIPAL=true lifts the
 * check, and is itself refused on App Service.
 */
function authMode(env: Env): AuthMode {
    const mode = oneOf(env, 'AUTH_MODE', ['functionKeys', 'appRoles'] as const);
    const localOverride = flag(env, 'AUTH_LOCAL_UNVERIFIED_PRINCIPAL');
    const onAppService = platform(env, PLATFORM_VARIABLES.siteName) !== null;
    if (localOverride && onAppService) {
        throw new ConfigError(
            'AUTH_LOCAL_UNVERIFIED_PRINCIPAL',
            `is for local tests only and must not be true on App Service (${PLATFORM_VARIABLES.siteName} is set)`,
        );
    }
    if (mode !== 'appRoles' || localOverride) return mode;
    const platformAuth = platform(env, PLATFORM_VARIABLES.authEnabled);
    if (platformAuth?.toLowerCase() !== 'true') {
        throw new ConfigError(
            'AUTH_MODE',
            `appRoles needs App Service Authentication, but the platform says it is off (${PLATFORM_VARIABLES.authEnabled} is ${platformAuth === null ? 'not set' : `"${platformAuth}"`}): without it any caller can forge x-ms-client-principal. Turn authentication on (infra: authClientId), or use functionKeys`,
        );
    }
    return mode;
}

function json(env: Env, name: SettingName): unknown {
    const text = required(env, name);
    try {
        return JSON.parse(text) as unknown;
    } catch (e) {
        throw new ConfigError(name, `is not valid JSON (${e instanceof Error ? e.message : 'parse error'})`);
    }
}

/** Names a zod issue path the way the setting's JSON reads, e.g. `[0].timing.quietSeconds`. */
function issuePath(path: readonly PropertyKey[]): string {
    return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

function parseWith<T>(name: SettingName, schema: z.ZodType<T>, value: unknown): T {
    const result = schema.safeParse(value);
    if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue === undefined ? '' : issuePath(issue.path);
        throw new ConfigError(`${name}${where}`, issue?.message ?? 'is invalid');
    }
    return result.data;
}

/** `SYNC_TARGETS[].timing`: any timing setting, by its override key, as set (seconds or count). */
const timingOverrides = z
    .object(Object.fromEntries(TIMING_SETTINGS.map((t) => [t.override, z.number().int().min(t.min).max(t.max)])))
    .partial()
    .strict();

// Azure names: resource groups allow more, but nothing here ever needs characters that could break a URL path.
const azureName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/, 'must be an Azure resource name');
const targetSchema = z
    .object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
        subscriptionId: z.guid('must be a subscription GUID'),
        resourceGroup: azureName,
        automationAccount: z
            .string()
            .regex(/^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/, 'must be an Automation account name'),
        runbook: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'must be a runbook name'),
        hybridWorkerGroup: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a Hybrid Worker group name'),
        timing: timingOverrides.optional(),
    })
    .strict();
const targetsSchema = z.array(targetSchema).min(1, 'must list at least one target');

const ruleSchema = z.union([
    z.object({ upnSuffix: z.string().min(1).max(255), target: z.string() }).strict(),
    z.object({ domain: z.string().min(1).max(255), target: z.string() }).strict(),
    z.object({ dnSuffix: z.string().min(1).max(1024), target: z.string() }).strict(),
]);
const routingSchema = z
    .object({ defaultTarget: z.string().optional(), rules: z.array(ruleSchema).default([]) })
    .strict();

function loadTiming(env: Env): TargetTiming {
    return timingFrom((t) => integer(env, t.setting, t.min, t.max));
}

function applyOverrides(base: TargetTiming, o: z.infer<typeof timingOverrides> | undefined): TargetTiming {
    if (o === undefined) return base;
    // A row's base value is held (ms for durations); an override is set (seconds), so it goes through timingFrom.
    const baseSet = (t: TimingRow): number => (t.unit === 'seconds' ? base[t.field] / 1000 : base[t.field]);
    return timingFrom((t) => o[t.override] ?? baseSet(t));
}

/** Relations between timing values that single ranges cannot express. */
function checkTiming(where: string, t: TargetTiming): void {
    if (t.urgentMaxWaitMs > t.maxWaitMs) throw new ConfigError(where, 'urgentMaxWait must not exceed maxWait');
    if (t.quietMs > t.maxWaitMs) throw new ConfigError(where, 'quiet must not exceed maxWait');
    if (t.pollIntervalMs <= 0) throw new ConfigError(where, 'pollInterval must be positive');
    if (t.pollMaxIntervalMs < t.pollIntervalMs)
        throw new ConfigError(where, 'pollMaxInterval must be at least pollInterval');
    if (t.runTimeoutMs < t.pollIntervalMs) throw new ConfigError(where, 'runTimeout must be at least pollInterval');
}

function loadTargets(env: Env, defaults: TargetTiming): Map<string, Target> {
    const parsed = parseWith('SYNC_TARGETS', targetsSchema, json(env, 'SYNC_TARGETS'));
    const targets = new Map<string, Target>();
    parsed.forEach((t, i) => {
        if (targets.has(t.id)) throw new ConfigError(`SYNC_TARGETS[${i}].id`, `duplicate target id "${t.id}"`);
        const timing = applyOverrides(defaults, t.timing);
        checkTiming(t.timing === undefined ? 'SYNC_*_SECONDS' : `SYNC_TARGETS[${i}].timing`, timing);
        const { timing: _overrides, ...automation } = t;
        targets.set(t.id, Object.freeze({ ...automation, targetId: t.id, timing: Object.freeze(timing) }));
    });
    return targets;
}

function loadRouting(env: Env, targets: ReadonlyMap<string, Target>): Routing {
    const parsed = parseWith('SYNC_ROUTING', routingSchema, json(env, 'SYNC_ROUTING'));
    parsed.rules.forEach((rule, i) => {
        if (!targets.has(rule.target)) {
            throw new ConfigError(`SYNC_ROUTING.rules[${i}].target`, `unknown target "${rule.target}"`);
        }
    });
    let defaultTarget = parsed.defaultTarget ?? null;
    if (defaultTarget !== null && !targets.has(defaultTarget)) {
        throw new ConfigError('SYNC_ROUTING.defaultTarget', `unknown target "${defaultTarget}"`);
    }
    if (defaultTarget === null && targets.size === 1) defaultTarget = [...targets.keys()][0] ?? null;
    const rules: RoutingRule[] = parsed.rules;
    return Object.freeze({ rules: Object.freeze(rules), defaultTarget });
}

function loadStorage(env: Env): StorageConnection | null {
    const connectionString = optional(env, 'AzureWebJobsStorage');
    if (connectionString !== null) return { kind: 'connectionString', connectionString };
    const clientId = optional(env, 'AzureWebJobsStorage__clientId');
    const tableServiceUri = url(env, 'AzureWebJobsStorage__tableServiceUri');
    if (tableServiceUri !== null) return { kind: 'identity', tableServiceUri, clientId };
    const account = optional(env, 'AzureWebJobsStorage__accountName');
    if (account === null) return null;
    if (!/^[a-z0-9]{3,24}$/.test(account)) {
        throw new ConfigError('AzureWebJobsStorage__accountName', 'must be a storage account name');
    }
    return { kind: 'identity', tableServiceUri: `https://${account}.table.core.windows.net`, clientId };
}

function tableName(env: Env, name: SettingName): string {
    const value = required(env, name);
    if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(value)) throw new ConfigError(name, 'must be a valid table name');
    return value;
}

function queueName(env: Env, name: SettingName): string {
    const value = required(env, name);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/.test(value)) throw new ConfigError(name, 'must be a valid queue name');
    return value;
}

/**
 * Loads and validates the whole configuration once, at start. Fails fast with a {@link ConfigError} that
 * names the bad setting.
 * @param env - the environment (app settings)
 */
export function loadConfig(env: Env = process.env): Config {
    const defaults = loadTiming(env);
    checkTiming('SYNC_*_SECONDS', defaults);
    const targets = loadTargets(env, defaults);
    const roles = {
        delta: required(env, 'AUTH_ROLE_DELTA'),
        initial: required(env, 'AUTH_ROLE_INITIAL'),
        read: required(env, 'AUTH_ROLE_READ'),
    };
    const config: Config = {
        targets,
        routing: loadRouting(env, targets),
        storage: loadStorage(env),
        stateTableName: tableName(env, 'STATE_TABLE_NAME'),
        requestTableName: tableName(env, 'REQUEST_TABLE_NAME'),
        requestRetentionMs: integer(env, 'REQUEST_RETENTION_DAYS', 1, 3650) * 86_400_000,
        serviceBus: {
            fullyQualifiedNamespace: optional(env, 'ServiceBusConnection__fullyQualifiedNamespace'),
            clientId: optional(env, 'ServiceBusConnection__clientId'),
        },
        changeQueueName: queueName(env, 'CHANGE_QUEUE_NAME'),
        controlQueueName: queueName(env, 'CONTROL_QUEUE_NAME'),
        changeQueueAllowsInitial: flag(env, 'CHANGE_QUEUE_ALLOW_INITIAL'),
        invalidChangeQueueName: queueName(env, 'INVALID_CHANGE_QUEUE_NAME'),
        automation: {
            mode: oneOf(env, 'AUTOMATION_MODE', ['azure', 'simulated'] as const),
            endpoint: url(env, 'AUTOMATION_ENDPOINT') ?? 'https://management.azure.com',
            clientId: optional(env, 'AZURE_CLIENT_ID'),
            retryBudgetMs: integer(env, 'AUTOMATION_RETRY_BUDGET_SECONDS', 0, 600) * 1000,
        },
        telemetry: {
            connectionString: optional(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
            authenticationString: optional(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'),
            userIdentifiers: oneOf(env, 'TELEMETRY_USER_IDENTIFIERS', ['none', 'hashed', 'plain'] as const),
            hashSalt: required(env, 'TELEMETRY_HASH_SALT'),
            workbookUrl: url(env, 'WORKBOOK_URL'),
            portalLinks: loadPortalLinks(env),
        },
        confirmation: {
            enabled: oneOf(env, 'ENTRA_CONFIRMATION', ['on', 'off'] as const) === 'on',
            extraRunDelayMs: integer(env, 'ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS', 0, 3600) * 1000,
            maxExtraRuns: integer(env, 'ENTRA_CONFIRMATION_EXTRA_RUNS', 0, 1),
            graphEndpoint: url(env, 'GRAPH_ENDPOINT') ?? 'https://graph.microsoft.com',
            graphMaxRetries: integer(env, 'GRAPH_MAX_RETRIES', 0, 10),
            lookupsPerPass: integer(env, 'ENTRA_CONFIRMATION_LOOKUPS_PER_PASS', 20, 3000),
            lookupDeadlineMs: integer(env, 'ENTRA_CONFIRMATION_LOOKUP_DEADLINE_SECONDS', 60, 86_400) * 1000,
        },
        http: {
            publicBaseUrl: publicBaseUrl(env),
            authMode: authMode(env),
            roles,
            initialMinIntervalMs: integer(env, 'INITIAL_MIN_INTERVAL_SECONDS', 0, 7 * 86_400) * 1000,
            maxBodyBytes: integer(env, 'HTTP_MAX_BODY_BYTES', 1024, 100 * 1024 * 1024),
            maxChangesPerRequest: integer(env, 'MAX_CHANGES_PER_REQUEST', 1, 100_000),
            retryAfterSeconds: integer(env, 'STATUS_RETRY_AFTER_SECONDS', 1, 3600),
        },
    };
    return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        const children: unknown[] = value instanceof Map ? [...value.values()] : Object.values(value);
        for (const child of children) deepFreeze(child);
    }
    return value;
}
