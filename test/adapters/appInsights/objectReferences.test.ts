import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { type AppInsightsClient, appInsightsTelemetry } from '../../../src/adapters/appInsights/appInsightsTelemetry';
import { objectReferencePolicy } from '../../../src/adapters/appInsights/userIdentifiers';
import { loadConfig } from '../../../src/config/loadConfig';
import type { TelemetryEvent } from '../../../src/ports/telemetry';

const TARGETS_JSON = JSON.stringify([
    {
        id: 'connect-01',
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        resourceGroup: 'rg-sync',
        automationAccount: 'aa-entra-sync',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
    },
]);

const UPN = 'New.Joiner@contoso.com';

const visible: TelemetryEvent = {
    type: 'VisibleInEntra',
    targetId: 'connect-01',
    requestId: 'r1',
    correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
    objectRef: UPN,
    lookupBy: 'userPrincipalName',
    extraRuns: 0,
    changeToVisibleMs: 95_000,
};
const notVisible: TelemetryEvent = {
    type: 'NotVisibleInEntra',
    targetId: 'connect-01',
    requestId: 'r2',
    correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
    objectRef: UPN,
    lookupBy: 'userPrincipalName',
    extraRuns: 1,
    reason: 'neverSynced',
};

/** Sends both events through the adapter, configured from these settings, and returns what the SDK received. */
function sent(env: Record<string, string>) {
    const config = loadConfig({ SYNC_TARGETS: TARGETS_JSON, ...env });
    const events: { name: string; properties: Record<string, string> }[] = [];
    const metrics: { name: string; value: number }[] = [];
    const client: AppInsightsClient = {
        trackEvent: (e) => events.push({ name: e.name, properties: { ...(e.properties as Record<string, string>) } }),
        trackMetric: (m) => metrics.push({ name: m.name, value: m.value }),
        trackAvailability: () => undefined,
        trackDependency: () => undefined,
        trackException: () => undefined,
        flush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
    };
    const telemetry = appInsightsTelemetry(client, {
        log: { info: () => undefined, warn: () => undefined, error: () => undefined },
        objectReference: objectReferencePolicy(config.telemetry),
    });
    telemetry.track(visible);
    telemetry.track(notVisible);
    return { events, metrics };
}

describe('TELEMETRY_USER_IDENTIFIERS fills objectRef of the events that name an object', () => {
    it('none (the default): no objectRef, and the UPN appears nowhere', () => {
        const { events } = sent({});
        expect(events.map((e) => e.name)).toEqual(['VisibleInEntra', 'NotVisibleInEntra']);
        for (const e of events) expect(e.properties).not.toHaveProperty('objectRef');
        expect(JSON.stringify(events)).not.toMatch(/joiner/i);
    });

    it('hashed: a keyed SHA-256 of the lower-cased reference, the same for the same object, never the value', () => {
        const { events } = sent({ TELEMETRY_USER_IDENTIFIERS: 'hashed', TELEMETRY_HASH_SALT: 'tenant-secret' });
        const expected = `sha256:${createHash('sha256').update('tenant-secret').update('\u0000').update(UPN.toLowerCase()).digest('hex')}`;
        expect(events.map((e) => e.properties.objectRef)).toEqual([expected, expected]);
        expect(JSON.stringify(events)).not.toMatch(/joiner/i);
        const otherSalt = sent({ TELEMETRY_USER_IDENTIFIERS: 'hashed', TELEMETRY_HASH_SALT: 'another' });
        expect(otherSalt.events[0]?.properties.objectRef).not.toBe(expected);
    });

    it('plain: the reference as the change gave it', () => {
        const { events } = sent({ TELEMETRY_USER_IDENTIFIERS: 'plain' });
        expect(events.map((e) => e.properties.objectRef)).toEqual([UPN, UPN]);
    });

    it('the change-to-visible latency is a metric, whatever the identifier mode', () => {
        expect(sent({}).metrics).toEqual([{ name: 'ChangeToVisibleInEntraMs', value: 95_000 }]);
    });
});
