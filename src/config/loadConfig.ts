import type { UserIdentifierMode } from '../adapters/appInsights/userIdentifiers';
import type { StorageConnection } from '../adapters/tables/tableClients';
import type { Routing } from '../domain/routing';
import type { Target } from '../domain/target';
import { ConfigError } from '../errors';
import { APP_SETTINGS, PLATFORM_VARIABLES } from './settings';
import { type Env, parseSettings } from './settingSchema';
import { TARGET_SETTINGS, toRouting, toTarget } from './targetSettings';
import { globalTiming, targetTiming, TIMING_SETTINGS } from './timingSettings';

/** App settings as the process sees them; defined with the setting schemas. */
export type { Env };

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

type AppSettings = ReturnType<typeof parseSettings<typeof APP_SETTINGS>>;

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
function publicBaseUrl(configured: string | undefined, env: Env): string | null {
    if (configured !== undefined) return configured;
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
function authMode(s: AppSettings, env: Env): AuthMode {
    const mode = s.AUTH_MODE;
    const localOverride = s.AUTH_LOCAL_UNVERIFIED_PRINCIPAL;
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

/** The storage connection: a connection string, else an identity-based table endpoint, else none. */
function storage(s: AppSettings): StorageConnection | null {
    if (s.AzureWebJobsStorage !== undefined)
        return { kind: 'connectionString', connectionString: s.AzureWebJobsStorage };
    const clientId = s.AzureWebJobsStorage__clientId ?? null;
    if (s.AzureWebJobsStorage__tableServiceUri !== undefined) {
        return { kind: 'identity', tableServiceUri: s.AzureWebJobsStorage__tableServiceUri, clientId };
    }
    const account = s.AzureWebJobsStorage__accountName;
    if (account === undefined) return null;
    return { kind: 'identity', tableServiceUri: `https://${account}.table.core.windows.net`, clientId };
}

/** The targets and routing, each target with its timing (the SYNC_* settings and its own overrides). */
function targetsAndRouting(env: Env): { targets: Map<string, Target>; routing: Routing } {
    const defaults = globalTiming(parseSettings(TIMING_SETTINGS, env), (name) => (env[name]?.trim() ?? '') !== '');
    const { SYNC_TARGETS: entries, SYNC_ROUTING: routing } = parseSettings(TARGET_SETTINGS, env);
    const targets = new Map<string, Target>();
    entries.forEach((entry, i) => {
        targets.set(entry.id, toTarget(entry, targetTiming(defaults, entry.timing, `SYNC_TARGETS[${i}].timing`)));
    });
    return { targets, routing: toRouting(routing, [...targets.keys()]) };
}

/**
 * Loads and validates the whole configuration once, at start. Fails fast with a {@link ConfigError} that
 * names the bad setting.
 * @param env - the environment (app settings)
 */
export function loadConfig(env: Env = process.env): Config {
    const { targets, routing } = targetsAndRouting(env);
    const s = parseSettings(APP_SETTINGS, env);
    const portalUrl = s.PORTAL_URL ?? null;
    const config: Config = {
        targets,
        routing,
        storage: storage(s),
        stateTableName: s.STATE_TABLE_NAME,
        requestTableName: s.REQUEST_TABLE_NAME,
        requestRetentionMs: s.REQUEST_RETENTION_DAYS * 86_400_000,
        serviceBus: {
            fullyQualifiedNamespace: s.ServiceBusConnection__fullyQualifiedNamespace ?? null,
            clientId: s.ServiceBusConnection__clientId ?? null,
        },
        changeQueueName: s.CHANGE_QUEUE_NAME,
        controlQueueName: s.CONTROL_QUEUE_NAME,
        changeQueueAllowsInitial: s.CHANGE_QUEUE_ALLOW_INITIAL,
        invalidChangeQueueName: s.INVALID_CHANGE_QUEUE_NAME,
        automation: {
            mode: s.AUTOMATION_MODE,
            endpoint: s.AUTOMATION_ENDPOINT,
            clientId: s.AZURE_CLIENT_ID ?? null,
            retryBudgetMs: s.AUTOMATION_RETRY_BUDGET_SECONDS * 1000,
        },
        telemetry: {
            connectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING ?? null,
            authenticationString: s.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? null,
            userIdentifiers: s.TELEMETRY_USER_IDENTIFIERS,
            hashSalt: s.TELEMETRY_HASH_SALT,
            workbookUrl: s.WORKBOOK_URL ?? null,
            portalLinks:
                portalUrl === null
                    ? null
                    : {
                          portalUrl,
                          tenantId: s.PORTAL_TENANT_ID ?? null,
                          appInsightsResourceId: s.APPLICATION_INSIGHTS_RESOURCE_ID ?? null,
                      },
        },
        confirmation: {
            enabled: s.ENTRA_CONFIRMATION === 'on',
            extraRunDelayMs: s.ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS * 1000,
            maxExtraRuns: s.ENTRA_CONFIRMATION_EXTRA_RUNS,
            graphEndpoint: s.GRAPH_ENDPOINT,
            graphMaxRetries: s.GRAPH_MAX_RETRIES,
            lookupsPerPass: s.ENTRA_CONFIRMATION_LOOKUPS_PER_PASS,
            lookupDeadlineMs: s.ENTRA_CONFIRMATION_LOOKUP_DEADLINE_SECONDS * 1000,
        },
        http: {
            publicBaseUrl: publicBaseUrl(s.PUBLIC_BASE_URL, env),
            authMode: authMode(s, env),
            roles: { delta: s.AUTH_ROLE_DELTA, initial: s.AUTH_ROLE_INITIAL, read: s.AUTH_ROLE_READ },
            initialMinIntervalMs: s.INITIAL_MIN_INTERVAL_SECONDS * 1000,
            maxBodyBytes: s.HTTP_MAX_BODY_BYTES,
            maxChangesPerRequest: s.MAX_CHANGES_PER_REQUEST,
            retryAfterSeconds: s.STATUS_RETRY_AFTER_SECONDS,
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
