import { describe, expect, it } from 'vitest';

import { type AppInsightsClient, appInsightsTelemetry } from '../../../src/adapters/appInsights/appInsightsTelemetry';
import { cloudRoleName, DEFAULT_ROLE_NAME } from '../../../src/adapters/appInsights/cloudRoleName';
import { parseAuthenticationString } from '../../../src/adapters/appInsights/createAppInsightsTelemetry';
import { operationIdFor } from '../../../src/adapters/appInsights/operationId';
import { cycleAvailable, itemsFor } from '../../../src/adapters/appInsights/telemetryItems';
import { telemetryObjectReference } from '../../../src/adapters/appInsights/userIdentifiers';
import type { CycleOutcome } from '../../../src/domain/cycleOutcome';
import type { RunSummary } from '../../../src/domain/targetState';
import { tally } from '../../support/targetStateFixtures';

const run = (outcome: CycleOutcome): RunSummary => ({
    targetId: 't',
    seq: 1,
    attempts: 1,
    tally: tally({ changeCount: 1, requestCount: 1 }),
    correlationId: 'c',
    firstChangeAt: 0,
    windowClosedAt: 10,
    job: null,
    endedAt: 20,
    report: { outcome, exportErrors: 0 },
    carried: null,
});

describe('operationIdFor', () => {
    it('keeps a W3C trace id, compacts a GUID and hashes anything else to 32 hex', () => {
        expect(operationIdFor('4BF92F3577B34DA6A3CE929D0E0E4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
        expect(operationIdFor('11111111-2222-4333-8444-555555555555')).toBe('11111111222243338444555555555555');
        expect(operationIdFor('order 42')).toMatch(/^[0-9a-f]{32}$/);
        expect(operationIdFor('order 42')).toBe(operationIdFor('order 42'));
        expect(operationIdFor('0'.repeat(32))).not.toBe('0'.repeat(32));
    });
});

describe('telemetryObjectReference', () => {
    it('records nothing, a salted hash or the value, as configured', () => {
        expect(telemetryObjectReference('Ada@Contoso.com', 'none', 's')).toBeUndefined();
        const hashed = telemetryObjectReference('Ada@Contoso.com', 'hashed', 's');
        expect(hashed).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(hashed).toBe(telemetryObjectReference(' ada@contoso.com', 'hashed', 's'));
        expect(hashed).not.toBe(telemetryObjectReference('Ada@Contoso.com', 'hashed', 'other salt'));
        expect(telemetryObjectReference('Ada@Contoso.com', 'plain', 's')).toBe('Ada@Contoso.com');
    });
});

describe('parseAuthenticationString', () => {
    it('reads the client id of Entra authentication and refuses anything else', () => {
        expect(parseAuthenticationString('Authorization=AAD;ClientId=abc')).toEqual({ clientId: 'abc' });
        expect(parseAuthenticationString('Authorization=AAD')).toEqual({ clientId: null });
        expect(() => parseAuthenticationString('ClientId=abc')).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING/);
    });
});

describe('itemsFor', () => {
    it('counts a cycle as available when it ran, with or without export errors', () => {
        expect(cycleAvailable(run('Succeeded'))).toBe(true);
        expect(cycleAvailable(run('CompletedWithExportErrors'))).toBe(true);
        expect(cycleAvailable(run('SkippedStagingMode'))).toBe(false);
        expect(cycleAvailable(run('WorkerOffline'))).toBe(false);
    });

    it('gives a run without a job a duration from window close to end', () => {
        const items = itemsFor({
            type: 'RunCompleted',
            targetId: 't',
            correlationId: 'c',
            run: run('StartFailed'),
            changeToCycleEndMs: 20,
            urgentToCycleEndMs: null,
            cycleDurationMs: null,
        });
        expect(items.availability).toMatchObject({ name: 'SyncCycle t', success: false, durationMs: 10 });
        expect(items.metrics.map((m) => m.name)).toEqual(['RunsCompleted', 'ExportErrors', 'ChangeToCycleEndMs']);
    });

    it('caps long reasons', () => {
        const items = itemsFor({
            type: 'JobStartFailed',
            targetId: 't',
            correlationId: 'c',
            seq: 1,
            attempt: 1,
            transient: true,
            willRetry: true,
            reason: 'x'.repeat(5000),
        });
        expect(items.event.properties.reason?.length).toBe(512);
    });
});

describe('appInsightsTelemetry', () => {
    it('never throws into the sync path, and logs the failures', async () => {
        const boom = (): never => {
            throw new Error('ingestion down');
        };
        const client: AppInsightsClient = {
            trackEvent: boom,
            trackMetric: boom,
            trackAvailability: boom,
            trackDependency: boom,
            trackException: boom,
            flush: () => Promise.reject(new Error('flush failed')),
            shutdown: () => Promise.reject(new Error('shutdown failed')),
        };
        const warnings: string[] = [];
        const telemetry = appInsightsTelemetry(client, {
            log: { info: () => undefined, error: () => undefined, warn: (m: string) => warnings.push(m) },
        });
        telemetry.track({ type: 'RequestRejected', code: 'X', status: 400, source: 'http' });
        telemetry.trackDependency({
            name: 'Automation GetJob',
            target: 'aa/rb',
            targetId: 't',
            durationMs: 1,
            success: true,
            resultCode: '200',
        });
        telemetry.trackHeartbeat('t', true, 'ok');
        await expect(telemetry.flush()).resolves.toBeUndefined();
        await expect(telemetry.shutdown()).resolves.toBeUndefined();
        expect(warnings).toHaveLength(5);
        expect(warnings[0]).toMatch(/ingestion down/);
    });
});

describe('cloudRoleName (the Functions host rule, so our items share its cloud_RoleName)', () => {
    it('is the site name, lower-cased, in the production slot', () => {
        expect(cloudRoleName({ WEBSITE_SITE_NAME: 'Func-Contoso', WEBSITE_SLOT_NAME: 'Production' })).toBe(
            'func-contoso',
        );
        expect(cloudRoleName({ WEBSITE_SITE_NAME: 'func-contoso' })).toBe('func-contoso');
    });

    it('appends a non-production slot, as the host does', () => {
        expect(cloudRoleName({ WEBSITE_SITE_NAME: 'mytestsite', WEBSITE_SLOT_NAME: 'Staging' })).toBe(
            'mytestsite-staging',
        );
    });

    it('prefers WEBSITE_CLOUD_ROLENAME, unchanged', () => {
        expect(cloudRoleName({ WEBSITE_SITE_NAME: 'mytestsite', WEBSITE_CLOUD_ROLENAME: 'MyCloudRole' })).toBe(
            'MyCloudRole',
        );
    });

    it('falls back to the project name outside App Service', () => {
        expect(cloudRoleName({})).toBe(DEFAULT_ROLE_NAME);
        expect(cloudRoleName({ WEBSITE_SITE_NAME: '' })).toBe('entra-sync-trigger');
    });
});
