import { describe, expect, it } from 'vitest';

import { type Env, loadConfig } from '../../src/config/loadConfig';
import { SETTINGS } from '../../src/config/settings';
import { DEFAULT_TIMING } from '../../src/domain/timing';
import { ConfigError, isConfigError } from '../../src/errors';

const SUB = '00000000-0000-0000-0000-000000000001';

function target(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        id,
        subscriptionId: SUB,
        resourceGroup: 'rg-sync',
        automationAccount: 'aa-sync-01',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
        ...extra,
    };
}

function env(overrides: Record<string, string | undefined> = {}): Env {
    return { SYNC_TARGETS: JSON.stringify([target('contoso')]), ...overrides };
}

/** Loads and returns the ConfigError thrown, failing the test if none is. */
function configError(e: Env): ConfigError {
    try {
        loadConfig(e);
    } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
    }
    throw new Error('loadConfig accepted an invalid configuration');
}

describe('loadConfig', () => {
    it('applies the documented defaults', () => {
        const config = loadConfig(env());
        const contoso = config.targets.get('contoso');
        expect(contoso?.timing).toEqual(DEFAULT_TIMING);
        expect(contoso).toMatchObject({ targetId: 'contoso', runbook: 'Start-EntraSyncCycle' });
        expect(config.stateTableName).toBe('syncstate');
        expect(config.requestTableName).toBe('syncrequests');
        expect(config.controlQueueName).toBe('sync-control');
        expect(config.automation).toMatchObject({ mode: 'azure', endpoint: 'https://management.azure.com' });
        expect(config.telemetry.userIdentifiers).toBe('none');
        expect(config.storage).toBeNull();
    });

    it('agrees with the settings registry on every timing default', () => {
        const byName = new Map(SETTINGS.map((s) => [s.name, s.default]));
        expect(Number(byName.get('SYNC_QUIET_SECONDS')) * 1000).toBe(DEFAULT_TIMING.quietMs);
        expect(Number(byName.get('SYNC_MAX_WAIT_SECONDS')) * 1000).toBe(DEFAULT_TIMING.maxWaitMs);
        expect(Number(byName.get('SYNC_MIN_SPACING_SECONDS')) * 1000).toBe(DEFAULT_TIMING.minSpacingMs);
    });

    it('reads global timing settings and per-target overrides on top of them', () => {
        const config = loadConfig(
            env({
                SYNC_QUIET_SECONDS: '5',
                SYNC_TARGETS: JSON.stringify([
                    target('emea', { timing: { quietSeconds: 30, minSpacingSeconds: 600, maxRunAttempts: 1 } }),
                    target('amer'),
                ]),
            }),
        );
        expect(config.targets.get('emea')?.timing).toMatchObject({
            quietMs: 30_000,
            minSpacingMs: 600_000,
            maxRunAttempts: 1,
            maxWaitMs: DEFAULT_TIMING.maxWaitMs,
        });
        expect(config.targets.get('amer')?.timing.quietMs).toBe(5_000);
    });

    it('routes everything to a lone target, and reads rules with a default target', () => {
        expect(loadConfig(env()).routing).toEqual({ rules: [], defaultTarget: 'contoso' });
        const routing = {
            defaultTarget: 'amer',
            rules: [
                { upnSuffix: 'emea.contoso.com', target: 'emea' },
                { domain: 'AMER', target: 'amer' },
            ],
        };
        const config = loadConfig(
            env({
                SYNC_TARGETS: JSON.stringify([target('emea'), target('amer')]),
                SYNC_ROUTING: JSON.stringify(routing),
            }),
        );
        expect(config.routing).toEqual(routing);
    });

    it('leaves several targets without a default target when routing names none', () => {
        const config = loadConfig(env({ SYNC_TARGETS: JSON.stringify([target('emea'), target('amer')]) }));
        expect(config.routing.defaultTarget).toBeNull();
    });

    it('returns a deeply frozen config', () => {
        const config = loadConfig(env());
        expect(Object.isFrozen(config)).toBe(true);
        expect(Object.isFrozen(config.http)).toBe(true);
        expect(Object.isFrozen(config.routing.rules)).toBe(true);
        expect(Object.isFrozen(config.targets.get('contoso'))).toBe(true);
        expect(Object.isFrozen(config.targets.get('contoso')?.timing)).toBe(true);
        expect(() => {
            Object.assign(config.http, { maxBodyBytes: 1 });
        }).toThrow(TypeError);
    });

    it('reads the storage connection in its three forms', () => {
        expect(loadConfig(env({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).storage).toEqual({
            kind: 'connectionString',
            connectionString: 'UseDevelopmentStorage=true',
        });
        expect(loadConfig(env({ AzureWebJobsStorage__accountName: 'stsync01' })).storage).toEqual({
            kind: 'identity',
            tableServiceUri: 'https://stsync01.table.core.windows.net',
            clientId: null,
        });
        expect(
            loadConfig(
                env({ AzureWebJobsStorage__tableServiceUri: 'https://t.example/', AzureWebJobsStorage__clientId: 'c' }),
            ).storage,
        ).toEqual({ kind: 'identity', tableServiceUri: 'https://t.example', clientId: 'c' });
    });

    const bad: [string, Env, string][] = [
        ['missing targets', { SYNC_TARGETS: undefined }, 'SYNC_TARGETS'],
        ['targets that are not JSON', { SYNC_TARGETS: '[{' }, 'SYNC_TARGETS'],
        ['an empty target list', { SYNC_TARGETS: '[]' }, 'SYNC_TARGETS'],
        [
            'a bad subscription id',
            { SYNC_TARGETS: JSON.stringify([target('a', { subscriptionId: 'nope' })]) },
            'SYNC_TARGETS[0].subscriptionId',
        ],
        [
            'a bad target id in the second target',
            { SYNC_TARGETS: JSON.stringify([target('a'), target('Bad Id')]) },
            'SYNC_TARGETS[1].id',
        ],
        [
            'an unknown key on a target',
            { SYNC_TARGETS: JSON.stringify([target('a', { colour: 'red' })]) },
            'SYNC_TARGETS[0]',
        ],
        [
            'a negative timing override',
            { SYNC_TARGETS: JSON.stringify([target('a', { timing: { quietSeconds: -1 } })]) },
            'SYNC_TARGETS[0].timing.quietSeconds',
        ],
        [
            'an override that breaks a relation',
            { SYNC_TARGETS: JSON.stringify([target('a', { timing: { urgentMaxWaitSeconds: 900 } })]) },
            'SYNC_TARGETS[0].timing.urgentMaxWaitSeconds',
        ],
        ['a duplicate target id', { SYNC_TARGETS: JSON.stringify([target('a'), target('a')]) }, 'SYNC_TARGETS[1].id'],
        ['a non-numeric quiet time', { SYNC_QUIET_SECONDS: 'soon' }, 'SYNC_QUIET_SECONDS'],
        ['a quiet time out of range', { SYNC_QUIET_SECONDS: '99999' }, 'SYNC_QUIET_SECONDS'],
        ['zero run attempts', { SYNC_MAX_RUN_ATTEMPTS: '0' }, 'SYNC_MAX_RUN_ATTEMPTS'],
        ['urgent cap above maxWait', { SYNC_URGENT_MAX_WAIT_SECONDS: '600' }, 'SYNC_URGENT_MAX_WAIT_SECONDS'],
        ['maxWait below the urgent cap', { SYNC_MAX_WAIT_SECONDS: '10' }, 'SYNC_MAX_WAIT_SECONDS'],
        ['a zero poll interval', { SYNC_POLL_INTERVAL_SECONDS: '0' }, 'SYNC_POLL_INTERVAL_SECONDS'],
        [
            'a poll cap below the poll interval',
            { SYNC_POLL_MAX_INTERVAL_SECONDS: '5' },
            'SYNC_POLL_MAX_INTERVAL_SECONDS',
        ],
        ['routing that is not JSON', { SYNC_ROUTING: 'x' }, 'SYNC_ROUTING'],
        [
            'a rule to an unknown target',
            { SYNC_ROUTING: JSON.stringify({ rules: [{ domain: 'X', target: 'nowhere' }] }) },
            'SYNC_ROUTING.rules[0].target',
        ],
        [
            'an unknown default target',
            { SYNC_ROUTING: JSON.stringify({ defaultTarget: 'nowhere' }) },
            'SYNC_ROUTING.defaultTarget',
        ],
        ['an unknown automation mode', { AUTOMATION_MODE: 'magic' }, 'AUTOMATION_MODE'],
        ['a relative automation endpoint', { AUTOMATION_ENDPOINT: 'management.azure.com' }, 'AUTOMATION_ENDPOINT'],
        [
            'a bad storage account name',
            { AzureWebJobsStorage__accountName: 'Bad_Name' },
            'AzureWebJobsStorage__accountName',
        ],
        ['a bad table name', { STATE_TABLE_NAME: '1state' }, 'STATE_TABLE_NAME'],
        ['a bad queue name', { CONTROL_QUEUE_NAME: '-x' }, 'CONTROL_QUEUE_NAME'],
        ['a body limit below 1 KiB', { HTTP_MAX_BODY_BYTES: '10' }, 'HTTP_MAX_BODY_BYTES'],
        ['an unknown identifier mode', { TELEMETRY_USER_IDENTIFIERS: 'all' }, 'TELEMETRY_USER_IDENTIFIERS'],
    ];

    it.each(bad)('refuses %s with a ConfigError naming the setting', (_what, overrides, setting) => {
        const error = configError(env(overrides));
        expect(error.setting).toBe(setting);
        expect(error.code).toBe('CONFIG_INVALID');
        expect(isConfigError(error)).toBe(true);
        expect(error.message).toContain(setting);
    });

    it.each([
        [{ SYNC_URGENT_MAX_WAIT_SECONDS: '600' }, 'must not exceed SYNC_MAX_WAIT_SECONDS (300), got 600'],
        [{ SYNC_MAX_WAIT_SECONDS: '10' }, 'must be at least SYNC_URGENT_MAX_WAIT_SECONDS (30), got 10'],
        [
            { SYNC_TARGETS: JSON.stringify([target('a', { timing: { maxWaitSeconds: 10 } })]) },
            'SYNC_TARGETS[0].timing.maxWaitSeconds: must be at least SYNC_URGENT_MAX_WAIT_SECONDS (30), got 10',
        ],
        [
            { SYNC_TARGETS: JSON.stringify([target('a', { timing: { quietSeconds: 4000 } })]) },
            'SYNC_TARGETS[0].timing.quietSeconds: must be between 0 and 3600, got 4000',
        ],
        [{ STATE_TABLE_NAME: '1state' }, 'must be a valid table name, got "1state"'],
    ])('says what is wrong and with what value (%o)', (overrides, message) => {
        expect(configError(env(overrides)).message).toContain(message);
    });

    it('treats blank values as absent, falling back to the default', () => {
        expect(loadConfig(env({ SYNC_QUIET_SECONDS: '   ' })).targets.get('contoso')?.timing.quietMs).toBe(20_000);
    });
});

describe('status page portal links', () => {
    const COMPONENT =
        '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sync/providers/microsoft.insights/components/appi-sync';

    it('are off without PORTAL_URL, whatever else is set', () => {
        expect(loadConfig(env({ APPLICATION_INSIGHTS_RESOURCE_ID: COMPONENT })).telemetry.portalLinks).toBeNull();
    });

    it('carry the portal, the tenant and the Application Insights component', () => {
        const config = loadConfig(
            env({
                PORTAL_URL: 'https://portal.azure.us/',
                PORTAL_TENANT_ID: 'contoso.onmicrosoft.com',
                APPLICATION_INSIGHTS_RESOURCE_ID: COMPONENT,
            }),
        );
        expect(config.telemetry.portalLinks).toEqual({
            portalUrl: 'https://portal.azure.us',
            tenantId: 'contoso.onmicrosoft.com',
            appInsightsResourceId: COMPONENT,
        });
        expect(loadConfig(env({ PORTAL_URL: 'https://portal.azure.com' })).telemetry.portalLinks).toEqual({
            portalUrl: 'https://portal.azure.com',
            tenantId: null,
            appInsightsResourceId: null,
        });
    });

    it.each([
        ['PORTAL_URL', 'javascript:alert(1)'],
        ['PORTAL_TENANT_ID', 'contoso/../x'],
        ['APPLICATION_INSIGHTS_RESOURCE_ID', '/subscriptions/x/providers/Microsoft.Automation/automationAccounts/a'],
    ])('refuse a malformed %s, naming it', (name, value) => {
        const error = configError(env({ PORTAL_URL: 'https://portal.azure.com', [name]: value }));
        expect(error.message).toContain(name);
    });
});

describe('AUTH_MODE=appRoles needs App Service Authentication (issue 13 item 9)', () => {
    it.each([
        ['not set', {}],
        ['False', { WEBSITE_AUTH_ENABLED: 'False' }],
        ['blank', { WEBSITE_AUTH_ENABLED: ' ' }],
        ['anything but true', { WEBSITE_AUTH_ENABLED: '1' }],
    ])('refuses appRoles when WEBSITE_AUTH_ENABLED is %s, naming AUTH_MODE and the reason', (_what, platform) => {
        const error = configError(env({ AUTH_MODE: 'appRoles', ...platform }));
        expect(error.setting).toBe('AUTH_MODE');
        expect(error.message).toMatch(/WEBSITE_AUTH_ENABLED/);
        expect(error.message).toMatch(/x-ms-client-principal/);
    });

    it.each(['True', 'true', 'TRUE'])('runs appRoles when WEBSITE_AUTH_ENABLED is %s', (value) => {
        expect(loadConfig(env({ AUTH_MODE: 'appRoles', WEBSITE_AUTH_ENABLED: value })).http.authMode).toBe('appRoles');
    });

    it('leaves functionKeys alone whatever the platform says', () => {
        expect(loadConfig(env()).http.authMode).toBe('functionKeys');
        expect(loadConfig(env({ WEBSITE_AUTH_ENABLED: 'False' })).http.authMode).toBe('functionKeys');
    });

    it('lets a local test run appRoles with AUTH_LOCAL_UNVERIFIED_PRINCIPAL=true, and refuses that on App Service', () => {
        expect(loadConfig(env({ AUTH_MODE: 'appRoles', AUTH_LOCAL_UNVERIFIED_PRINCIPAL: 'true' })).http.authMode).toBe(
            'appRoles',
        );
        const onAppService = configError(
            env({ AUTH_MODE: 'appRoles', AUTH_LOCAL_UNVERIFIED_PRINCIPAL: 'true', WEBSITE_SITE_NAME: 'func-sync' }),
        );
        expect(onAppService.setting).toBe('AUTH_LOCAL_UNVERIFIED_PRINCIPAL');
        expect(configError(env({ AUTH_LOCAL_UNVERIFIED_PRINCIPAL: 'yes' })).setting).toBe(
            'AUTH_LOCAL_UNVERIFIED_PRINCIPAL',
        );
    });
});

describe('Location base (issue 13 item 14)', () => {
    it.each([
        [
            'PUBLIC_BASE_URL wins',
            { PUBLIC_BASE_URL: 'https://gw.example/sync/', WEBSITE_HOSTNAME: 'a.azurewebsites.net' },
            'https://gw.example/sync',
        ],
        [
            'App Service host name over https',
            { WEBSITE_HOSTNAME: 'func-sync.azurewebsites.net' },
            'https://func-sync.azurewebsites.net',
        ],
        ['Core Tools / npm start over http', { WEBSITE_HOSTNAME: 'localhost:7071' }, 'http://localhost:7071'],
        ['a loopback address over http', { WEBSITE_HOSTNAME: '127.0.0.1:7071' }, 'http://127.0.0.1:7071'],
        ['no host name: relative', {}, null],
    ])('%s', (_what, overrides, expected) => {
        expect(loadConfig(env(overrides)).http.publicBaseUrl).toBe(expected);
    });

    it('refuses a WEBSITE_HOSTNAME that is not a host name', () => {
        expect(configError(env({ WEBSITE_HOSTNAME: 'bad host' })).setting).toBe('WEBSITE_HOSTNAME');
    });
});

describe('CHANGE_QUEUE_ALLOW_INITIAL (issue 13 item 10)', () => {
    it('defaults to false and reads true or false only', () => {
        expect(loadConfig(env()).changeQueueAllowsInitial).toBe(false);
        expect(loadConfig(env({ CHANGE_QUEUE_ALLOW_INITIAL: 'true' })).changeQueueAllowsInitial).toBe(true);
        expect(configError(env({ CHANGE_QUEUE_ALLOW_INITIAL: 'yes' })).setting).toBe('CHANGE_QUEUE_ALLOW_INITIAL');
    });
});
