import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
    type Envelope,
    type IngestionServer,
    makeTestCertificate,
    measurementsOf,
    nameOf,
    propertiesOf,
    startIngestionServer,
    type TestCertificate,
} from '../../support/ingestionServer';

/** The caller's W3C trace id (from `traceparent`): it must become the operation id of every item of the flow. */
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** As App Service sets them for the production slot; the host's own items then report role `func-contoso-sync`. */
const SITE = { WEBSITE_SITE_NAME: 'Func-Contoso-Sync', WEBSITE_SLOT_NAME: 'Production' };
const HOST_ROLE_NAME = 'func-contoso-sync';
const DRIVER = resolve(__dirname, 'telemetryFlowDriver.ts');

interface DriverResult {
    readonly accepted: string;
    readonly outcome: string | null;
    readonly runs: number;
    readonly warnings: readonly string[];
}

/**
 * NODE_EXTRA_CA_CERTS is only read when Node starts, so the real SDK runs in a child process (the driver) that
 * trusts the test certificate; this process hosts the ingestion server and asserts on what arrives.
 */
function runDriver(cert: TestCertificate, endpoint: string): Promise<DriverResult> {
    return new Promise((done, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', DRIVER], {
            cwd: resolve(__dirname, '../../..'),
            env: {
                ...process.env,
                ...SITE,
                NODE_EXTRA_CA_CERTS: cert.certPath,
                INGESTION_ENDPOINT: endpoint,
                CORRELATION_ID: TRACE_ID,
                APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
                APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
                APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
            },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', fail);
        child.on('exit', (code) => {
            if (code !== 0) {
                fail(new Error(`driver exited with ${code}: ${err}`));
                return;
            }
            const last = out.trim().split('\n').pop() ?? '';
            done(JSON.parse(last) as DriverResult);
        });
    });
}

const ofType = (envelopes: readonly Envelope[], baseType: string) =>
    envelopes.filter((e) => e.data.baseType === baseType);
const event = (envelopes: readonly Envelope[], name: string) =>
    ofType(envelopes, 'EventData').find((e) => nameOf(e) === name);
const metricNames = (e: Envelope): string[] => {
    const metrics = e.data.baseData.metrics;
    return Array.isArray(metrics)
        ? metrics.map((m: unknown) => (typeof m === 'object' && m !== null && 'name' in m ? String(m.name) : ''))
        : [];
};
const metricValue = (e: Envelope): number => {
    const metrics = e.data.baseData.metrics;
    const first: unknown = Array.isArray(metrics) ? metrics[0] : undefined;
    return typeof first === 'object' && first !== null && 'value' in first ? Number(first.value) : NaN;
};

describe('Application Insights telemetry through the real SDK (loopback HTTPS ingestion)', () => {
    let cert: TestCertificate;
    let server: IngestionServer;
    let result: DriverResult;
    let envelopes: readonly Envelope[];

    beforeAll(async () => {
        cert = makeTestCertificate();
        server = await startIngestionServer(cert);
        result = await runDriver(cert, server.endpoint);
        // The driver flushed before exiting, so everything has arrived; waitFor guards against a slow exporter.
        envelopes = await server.waitFor((all) => all.some((e) => nameOf(e) === 'RequestRejected'));
    });

    afterAll(async () => {
        await server.close();
        cert.remove();
    });

    it('runs the flow to a result and logs no telemetry failure', () => {
        expect(result).toEqual({ accepted: 'accepted', outcome: 'CompletedWithExportErrors', runs: 1, warnings: [] });
        expect(server.otherRequests).toEqual([]);
    });

    it('sends a custom event for every step, in the window’s operation', () => {
        const flow = ['RequestAccepted', 'WindowOpened', 'WindowClosed', 'JobStarted', 'RunCompleted'];
        for (const name of flow) {
            const e = event(envelopes, name);
            expect(e, name).toBeDefined();
            expect(e?.tags['ai.operation.id'], name).toBe(TRACE_ID);
            expect(propertiesOf(e as Envelope)).toMatchObject({ targetId: 'contoso', correlationId: TRACE_ID });
        }
    });

    it('carries target and correlation id on every item of the flow, and one operation id', () => {
        const flowItems = envelopes.filter(
            (e) => e.data.baseType !== 'MetricData' && !['Heartbeat', 'RequestRejected'].includes(nameOf(e) ?? ''),
        );
        expect(flowItems.length).toBeGreaterThanOrEqual(7);
        for (const e of flowItems) {
            expect(propertiesOf(e).targetId, nameOf(e)).toBe('contoso');
            expect(propertiesOf(e).correlationId, nameOf(e)).toBe(TRACE_ID);
        }
        expect(new Set(flowItems.map((e) => e.tags['ai.operation.id']))).toEqual(new Set([TRACE_ID]));
        // Metrics cannot carry an operation (OpenTelemetry metrics have no trace context): the id is a dimension.
        const metrics = ofType(envelopes, 'MetricData').filter((e) => !metricNames(e).includes('_OTELRESOURCE_'));
        expect(metrics.length).toBeGreaterThan(0);
        for (const m of metrics)
            expect(propertiesOf(m)).toMatchObject({ targetId: 'contoso', correlationId: TRACE_ID });
    });

    it('puts counts and latencies in measurements, never payload fields', () => {
        const closed = event(envelopes, 'WindowClosed') as Envelope;
        expect(measurementsOf(closed)).toMatchObject({ changeCount: 3, urgentCount: 1, requestCount: 1 });
        const completed = event(envelopes, 'RunCompleted') as Envelope;
        expect(propertiesOf(completed)).toMatchObject({ outcome: 'CompletedWithExportErrors', policy: 'Delta' });
        expect(measurementsOf(completed)).toMatchObject({ exportErrors: 2, cycleDurationMs: 40_000 });
        expect(measurementsOf(completed).urgentToCycleEndMs).toBeGreaterThan(0);
        const allowed = new Set([
            'targetId',
            'correlationId',
            'requestId',
            'seq',
            'policy',
            'source',
            'duplicate',
            'urgent',
            'lead',
            'queuedBehindRun',
            'jobName',
            'outcome',
            'outcomeClass',
            'lastStatus',
            'reason',
            'healthy',
            'detail',
            'code',
            'status',
            'dependencyTarget',
            'resultCode',
        ]);
        for (const e of envelopes.filter((x) => x.data.baseType !== 'MetricData')) {
            for (const key of Object.keys(propertiesOf(e))) expect(allowed, `${nameOf(e)}.${key}`).toContain(key);
        }
        expect(JSON.stringify(envelopes)).not.toMatch(/bodyHash|"hash"|objectRef|upn/i);
    });

    it('sends each metric once with its value, and counts the run for runs per hour', () => {
        const byName = new Map<string, Envelope[]>();
        for (const m of ofType(envelopes, 'MetricData')) {
            for (const n of metricNames(m)) byName.set(n, [...(byName.get(n) ?? []), m]);
        }
        const expected: Record<string, number> = {
            ChangesPerWindow: 3,
            RunsCompleted: 1,
            ExportErrors: 2,
            CycleDurationMs: 40_000,
        };
        for (const [name, value] of Object.entries(expected)) {
            expect(byName.get(name), name).toHaveLength(1);
            expect(metricValue(byName.get(name)?.[0] as Envelope), name).toBe(value);
        }
        for (const name of [
            'ChangeToJobStartMs',
            'UrgentChangeToJobStartMs',
            'ChangeToCycleEndMs',
            'UrgentChangeToCycleEndMs',
        ]) {
            expect(byName.get(name), name).toHaveLength(1);
        }
        expect(propertiesOf(byName.get('RunsCompleted')?.[0] as Envelope).outcome).toBe('CompletedWithExportErrors');
    });

    it('records one availability result per cycle, named after the target', () => {
        const availability = ofType(envelopes, 'AvailabilityData');
        expect(availability).toHaveLength(1);
        const a = availability[0] as Envelope;
        expect(a.data.baseData).toMatchObject({ name: 'SyncCycle contoso', success: true, duration: '00:00:40.000' });
        expect(a.tags['ai.operation.id']).toBe(TRACE_ID);
        expect(a.tags['ai.cloud.role']).toBe(HOST_ROLE_NAME);
    });

    it('reports every item under the Functions host role name (WEBSITE_SITE_NAME), not a role of its own', () => {
        expect(envelopes.length).toBeGreaterThan(10);
        expect(new Set(envelopes.map((e) => e.tags['ai.cloud.role']))).toEqual(new Set([HOST_ROLE_NAME]));
    });

    it('records Automation calls as dependencies in the same operation', () => {
        const deps = ofType(envelopes, 'RemoteDependencyData');
        expect(deps.map(nameOf)).toContain('Automation CreateJob');
        expect(deps.map(nameOf)).toContain('Automation GetJob');
        for (const d of deps) {
            expect(d.tags['ai.operation.id']).toBe(TRACE_ID);
            expect(d.data.baseData.success).toBe(true);
            expect(propertiesOf(d)).toMatchObject({
                targetId: 'contoso',
                dependencyTarget: 'aa-sync/Start-EntraSyncCycle',
            });
        }
    });

    it('sends heartbeats and rejected requests without an operation of their own', () => {
        const heartbeat = event(envelopes, 'Heartbeat') as Envelope;
        expect(propertiesOf(heartbeat)).toEqual({ targetId: 'contoso', healthy: 'true', detail: 'reconcile ok' });
        const rejected = event(envelopes, 'RequestRejected') as Envelope;
        expect(propertiesOf(rejected)).toEqual({ code: 'VALIDATION_FAILED', status: '400', source: 'http' });
        expect(rejected.tags['ai.operation.id']).toBeUndefined();
    });
});
