import { describe, expect, it } from 'vitest';

import { type Env, loadConfig } from '../../src/config/loadConfig';
import { localHostSettings } from '../../src/config/localHostSettings';
import { LOCAL_RUN_SETTINGS, SETTINGS } from '../../src/config/settings';
import { simulatedConnectOptionsFromEnv } from '../../src/config/simulatedConnectSettings';
import { simulatedDirectoryOptionsFromEnv } from '../../src/config/simulatedDirectorySettings';
import { ConfigError } from '../../src/errors';

/**
 * The settings table is generated from the schemas: what its "default" and "format" columns say must be what the
 * loaders do. Each setting is loaded by the code that reads it.
 */
const TARGETS = JSON.stringify([
    {
        id: 'contoso',
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        resourceGroup: 'rg-sync',
        automationAccount: 'aa-sync-01',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
    },
]);

const LOCAL_RUN = new Set(LOCAL_RUN_SETTINGS.map((s) => s.name));

/**
 * Timing with room on both sides of every relation the docs state (`At most SYNC_MAX_WAIT_SECONDS.`), so each
 * setting's own range can be tried; the relations have their own tests (loadConfig.test.ts).
 */
const ROOMY_TIMING: Env = {
    SYNC_QUIET_SECONDS: '0',
    SYNC_URGENT_MAX_WAIT_SECONDS: '0',
    SYNC_MAX_WAIT_SECONDS: '86400',
    SYNC_POLL_INTERVAL_SECONDS: '1',
    SYNC_POLL_MAX_INTERVAL_SECONDS: '3600',
    SYNC_RUN_TIMEOUT_SECONDS: '604800',
};

/** Loads one setting with the loader that reads it (appRoles on a platform whose authentication is on). */
function load(name: string, value: string | undefined): void {
    const env: Env = { SYNC_TARGETS: TARGETS, WEBSITE_AUTH_ENABLED: 'True', ...ROOMY_TIMING, [name]: value };
    if (!LOCAL_RUN.has(name)) loadConfig(env);
    else if (name.startsWith('SIMULATED_CONNECT_')) simulatedConnectOptionsFromEnv(env);
    else if (name.startsWith('SIMULATED_DIRECTORY_')) simulatedDirectoryOptionsFromEnv(env);
    else localHostSettings(env, '/repo');
}

function refusal(name: string, value: string): ConfigError {
    try {
        load(name, value);
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    throw new Error(`${name}=${value} was accepted`);
}

describe('the settings table is true to the loaders', () => {
    it('lists every setting once, each with a format and a description', () => {
        expect(new Set(SETTINGS.map((s) => s.name)).size).toBe(SETTINGS.length);
        for (const s of SETTINGS) {
            expect(s.format.length, s.name).toBeGreaterThan(0);
            expect(s.description.length, s.name).toBeGreaterThan(10);
        }
    });

    it.each(SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.name, s.default]))(
        '%s: its documented default (%s) loads, set or absent',
        (name, value) => {
            expect(() => load(name, value)).not.toThrow();
            expect(() => load(name, undefined)).not.toThrow();
        },
    );

    const ranges = SETTINGS.flatMap((s) => {
        const range = /^(whole number|number), (\d+)–(\d+)$/.exec(s.format);
        return range === null ? [] : [[s.name, range[1] === 'number', Number(range[2]), Number(range[3])] as const];
    });

    it('covers the numeric settings', () => {
        expect(ranges.length).toBeGreaterThan(30);
    });

    it.each(ranges)('%s: takes its documented bounds and refuses what lies outside them', (name, decimal, min, max) => {
        expect(() => load(name, String(min))).not.toThrow();
        expect(() => load(name, String(max))).not.toThrow();
        expect(refusal(name, String(max + 1)).setting).toBe(name);
        if (min > 0) expect(refusal(name, String(min - 1)).setting).toBe(name);
        expect(refusal(name, 'soon').setting).toBe(name);
        if (!decimal) expect(refusal(name, `${min}.5`).setting).toBe(name);
    });

    const choices = SETTINGS.flatMap((s) =>
        /^`[^`]+`(, `[^`]+`)*$/.test(s.format) && !s.format.includes(' or ')
            ? [[s.name, [...s.format.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '')] as const]
            : [],
    );

    it.each(choices)('%s: takes each documented value and refuses others', (name, values) => {
        for (const value of values) expect(() => load(name, value), value).not.toThrow();
        expect(refusal(name, 'something-else').message).toContain(values.join(', '));
    });
});

describe('the simulation and npm start settings', () => {
    it('read the simulated server, its switches as true/false or 1/0', () => {
        expect(
            simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_STAGING_MODE: '1', SIMULATED_CONNECT_WORKER: 'hung' }),
        ).toMatchObject({ stagingMode: true, worker: 'hung', deltaBaseMs: 40_000, workerPollIntervalMs: 30_000 });
        expect(simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_STAGING_MODE: 'FALSE' }).stagingMode).toBe(false);
        expect(refusal('SIMULATED_CONNECT_STAGING_MODE', 'maybe').message).toContain(
            'must be true or false, got "maybe"',
        );
    });

    it('choose the storage of npm start from LOCAL_STORAGE, else from AzureWebJobsStorage', () => {
        expect(localHostSettings({}, '/repo')).toMatchObject({
            storage: 'azurite',
            port: 7071,
            timeScale: 1,
            azuriteLocation: '/repo/.local/azurite',
        });
        expect(localHostSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, '/repo').storage).toBe(
            'azurite',
        );
        expect(localHostSettings({ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;…' }, '/repo').storage).toBe(
            'external',
        );
        expect(localHostSettings({ LOCAL_STORAGE: 'memory', LOCAL_DATA_DIR: '/tmp/x' }, '/repo')).toMatchObject({
            storage: 'memory',
            azuriteLocation: '/tmp/x/azurite',
        });
        expect(refusal('LOCAL_TIME_SCALE', '0.5').message).toContain('LOCAL_TIME_SCALE');
    });
});
