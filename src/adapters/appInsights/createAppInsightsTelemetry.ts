import type { TokenCredential } from '@azure/identity';
import { ManagedIdentityCredential } from '@azure/identity';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TelemetryClient } from 'applicationinsights';

import { ConfigError } from '../../errors';
import { consoleLogger, type Logger } from '../../ports/logger';
import { noTelemetry } from '../memory/memoryTelemetry';
import { appInsightsTelemetry, type ClosableTelemetry } from './appInsightsTelemetry';
import { cloudRoleName } from './cloudRoleName';
import { ensureContextManager } from './operationContext';
import { objectReferencePolicy, type UserIdentifierMode } from './userIdentifiers';

/** The Application Insights adapter's own settings (the validated config has this shape). */
export interface AppInsightsSettings {
    readonly telemetry: {
        readonly connectionString: string | null;
        readonly authenticationString: string | null;
        /** TELEMETRY_USER_IDENTIFIERS and its salt; absent: no object references. */
        readonly userIdentifiers?: UserIdentifierMode;
        readonly hashSalt?: string;
    };
}

export interface CreateAppInsightsTelemetryOptions {
    readonly log?: Logger;
    /** Overrides the credential derived from `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` (tests, other clouds). */
    readonly credential?: TokenCredential;
    /** Keep unsent items on disk and retry (the SDK's offline storage). Default true; tests turn it off. */
    readonly diskRetry?: boolean;
    /** `runLocation` of availability records. */
    readonly runLocation?: string;
    /** `cloud_RoleName` of every item. Default: the Functions host's own role name (see cloudRoleName). */
    readonly roleName?: string;
}

/**
 * Parses `Authorization=AAD;ClientId=<id>` (the format the Functions host and the SDKs use).
 * @returns the client id of the user-assigned identity, or null for the system-assigned one
 * @throws ConfigError when the string does not ask for Entra authentication
 */
export function parseAuthenticationString(text: string): { readonly clientId: string | null } {
    const fields = new Map<string, string>();
    for (const part of text.split(';')) {
        const at = part.indexOf('=');
        if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
    }
    const authorization = fields.get('authorization');
    if (authorization === undefined || authorization.toUpperCase() !== 'AAD') {
        throw new ConfigError('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'must be "Authorization=AAD;ClientId=<id>"');
    }
    const clientId = fields.get('clientid');
    return { clientId: clientId === undefined || clientId === '' ? null : clientId };
}

function credentialFor(
    config: AppInsightsSettings,
    options: CreateAppInsightsTelemetryOptions,
): TokenCredential | undefined {
    if (options.credential !== undefined) return options.credential;
    const text = config.telemetry.authenticationString;
    if (text === null) return undefined;
    const parsed = parseAuthenticationString(text);
    return parsed.clientId === null
        ? new ManagedIdentityCredential()
        : new ManagedIdentityCredential({ clientId: parsed.clientId });
}

/**
 * The composition root's telemetry: Application Insights when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set,
 * otherwise telemetry that goes nowhere. The client is isolated (`useGlobalProviders: false`): no
 * auto-instrumentation, no live metrics, no performance counters, no duplicate request telemetry next to the
 * Functions host's own. With `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` ingestion uses Entra ID (managed identity).
 * @param config - the validated configuration
 * @param options - logger, credential override, disk retry
 */
export function createAppInsightsTelemetry(
    config: AppInsightsSettings,
    options: CreateAppInsightsTelemetryOptions = {},
): ClosableTelemetry {
    const log = options.log ?? consoleLogger;
    const connectionString = config.telemetry.connectionString;
    if (connectionString === null) return { ...noTelemetry, shutdown: () => Promise.resolve() };
    if (!ensureContextManager()) log.warn('Telemetry: no OpenTelemetry context manager; items carry no operation id');
    const client = new TelemetryClient(connectionString, { useGlobalProviders: false });
    client.config.enableSendLiveMetrics = false;
    client.config.enableAutoCollectPerformance = false;
    client.config.enableAutoCollectExtendedMetrics = false;
    client.config.enableAutoCollectPreAggregatedMetrics = false;
    client.config.enableAutoCollectRequests = false;
    client.config.enableAutoCollectDependencies = false;
    client.config.enableAutoCollectExceptions = false;
    client.config.enableAutoCollectConsole = false;
    client.config.enableUseDiskRetryCaching = options.diskRetry ?? true;
    // Without it the role shows as `unknown_service:node`. It must equal the host's role name (the app's name), or
    // the application map and cloud_RoleName filters split one app into two roles.
    client.config.azureMonitorOpenTelemetryOptions = {
        resource: resourceFromAttributes({ 'service.name': options.roleName ?? cloudRoleName(process.env) }),
    };
    const credential = credentialFor(config, options);
    if (credential !== undefined) client.config.aadTokenCredential = credential;
    return appInsightsTelemetry(client, {
        log,
        objectReference: objectReferencePolicy(config.telemetry),
        ...(options.runLocation === undefined ? {} : { runLocation: options.runLocation }),
    });
}
