import { z } from 'zod';

import type { UserIdentifierMode } from '../adapters/appInsights/userIdentifiers';
import type { StorageConnection } from '../adapters/tables/tableClients';
import type { Routing, RoutingRule } from '../domain/routing';
import type { Target } from '../domain/target';
import type { TargetTiming } from '../domain/timing';
import { ConfigError } from '../errors';
import { type SettingName, settingSpec } from './settings';

export type Env = Readonly<Record<string, string | undefined>>;

export type { UserIdentifierMode };
export type AuthMode = 'functionKeys' | 'appRoles';
export type AutomationMode = 'azure' | 'simulated';

export type { StorageConnection };

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
    };
    readonly http: {
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

const seconds = (max: number) => z.number().int().min(0).max(max);
const timingOverrides = z
    .object({
        quietSeconds: seconds(3600),
        maxWaitSeconds: seconds(86_400),
        urgentMaxWaitSeconds: seconds(86_400),
        minSpacingSeconds: seconds(86_400),
        runTimeoutSeconds: seconds(7 * 86_400),
        pollIntervalSeconds: seconds(3600),
        pollMaxIntervalSeconds: seconds(3600),
        workerOfflineSeconds: seconds(86_400),
        startRetryBudget: z.number().int().min(0).max(100),
        maxRunAttempts: z.number().int().min(1).max(10),
        stopGraceSeconds: seconds(86_400),
    })
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
    const s = (name: SettingName, max: number) => integer(env, name, 0, max) * 1000;
    return {
        quietMs: s('SYNC_QUIET_SECONDS', 3600),
        maxWaitMs: s('SYNC_MAX_WAIT_SECONDS', 86_400),
        urgentMaxWaitMs: s('SYNC_URGENT_MAX_WAIT_SECONDS', 86_400),
        minSpacingMs: s('SYNC_MIN_SPACING_SECONDS', 86_400),
        runTimeoutMs: s('SYNC_RUN_TIMEOUT_SECONDS', 7 * 86_400),
        pollIntervalMs: s('SYNC_POLL_INTERVAL_SECONDS', 3600),
        pollMaxIntervalMs: s('SYNC_POLL_MAX_INTERVAL_SECONDS', 3600),
        workerOfflineAfterMs: s('SYNC_WORKER_OFFLINE_SECONDS', 86_400),
        startRetryBudget: integer(env, 'SYNC_START_RETRY_BUDGET', 0, 100),
        maxRunAttempts: integer(env, 'SYNC_MAX_RUN_ATTEMPTS', 1, 10),
        stopGraceMs: s('SYNC_STOP_GRACE_SECONDS', 86_400),
    };
}

function applyOverrides(base: TargetTiming, o: z.infer<typeof timingOverrides> | undefined): TargetTiming {
    if (o === undefined) return base;
    const ms = (v: number | undefined, fallback: number) => (v === undefined ? fallback : v * 1000);
    return {
        quietMs: ms(o.quietSeconds, base.quietMs),
        maxWaitMs: ms(o.maxWaitSeconds, base.maxWaitMs),
        urgentMaxWaitMs: ms(o.urgentMaxWaitSeconds, base.urgentMaxWaitMs),
        minSpacingMs: ms(o.minSpacingSeconds, base.minSpacingMs),
        runTimeoutMs: ms(o.runTimeoutSeconds, base.runTimeoutMs),
        pollIntervalMs: ms(o.pollIntervalSeconds, base.pollIntervalMs),
        pollMaxIntervalMs: ms(o.pollMaxIntervalSeconds, base.pollMaxIntervalMs),
        workerOfflineAfterMs: ms(o.workerOfflineSeconds, base.workerOfflineAfterMs),
        startRetryBudget: o.startRetryBudget ?? base.startRetryBudget,
        maxRunAttempts: o.maxRunAttempts ?? base.maxRunAttempts,
        stopGraceMs: ms(o.stopGraceSeconds, base.stopGraceMs),
    };
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
        },
        http: {
            publicBaseUrl: url(env, 'PUBLIC_BASE_URL'),
            authMode: oneOf(env, 'AUTH_MODE', ['functionKeys', 'appRoles'] as const),
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
