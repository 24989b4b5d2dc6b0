/**
 * Child-process driver for the telemetry contract test. It must run in its own Node process because
 * `NODE_EXTRA_CA_CERTS` (trust for the test server's self-signed certificate) is only read at start.
 * It drives one request → window → run → result flow through the real coordinator and the real SDK, then flushes
 * and prints a one-line JSON summary on stdout.
 * Env: INGESTION_ENDPOINT, CORRELATION_ID.
 */
import { createAppInsightsTelemetry } from '../../../src/adapters/appInsights/createAppInsightsTelemetry';
import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryWakeScheduler,
} from '../../../src/adapters/memory';
import { acceptRequest } from '../../../src/app/acceptRequest';
import { createCoordinator } from '../../../src/app/coordinator';
import { loadConfig } from '../../../src/config/loadConfig';
import { silentLogger } from '../../../src/ports/logger';
import { withDependencyTelemetry } from '../../support/trackedAutomationJobs';

async function main(): Promise<void> {
    const endpoint = process.env.INGESTION_ENDPOINT ?? '';
    const correlationId = process.env.CORRELATION_ID ?? '';
    const config = loadConfig({
        SYNC_TARGETS: JSON.stringify([
            {
                id: 'contoso',
                subscriptionId: '00000000-0000-0000-0000-000000000001',
                resourceGroup: 'rg-sync',
                automationAccount: 'aa-sync',
                runbook: 'Start-EntraSyncCycle',
                hybridWorkerGroup: 'entra-connect',
            },
        ]),
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=${endpoint}`,
    });
    const warnings: string[] = [];
    const telemetry = createAppInsightsTelemetry(config, {
        diskRetry: false,
        log: { ...silentLogger, warn: (m: string) => warnings.push(m) },
    });
    const clock = new ManualClock();
    const wakes = new MemoryWakeScheduler();
    const jobs = new MemoryAutomationJobs(clock, () => ({
        pickupDelayMs: 5_000,
        durationMs: 40_000,
        report: { outcome: 'CompletedWithExportErrors', exportErrors: 2, reason: 'Export errors on 2 objects' },
    }));
    const coordinator = createCoordinator({
        store: new MemoryTargetStateStore(),
        wakes,
        jobs: withDependencyTelemetry(jobs, telemetry, clock),
        telemetry,
        clock,
        targets: config.targets,
    });
    const requests = new MemoryRequestStore();
    const accepted = await acceptRequest(
        { coordinator, requests, telemetry },
        {
            requestId: '11111111-2222-4333-8444-555555555555',
            targetId: 'contoso',
            changeCount: 3,
            urgentCount: 1,
            policy: 'Delta',
            kinds: { joiner: 1, attribute: 2 },
            idempotencyKey: null,
            bodyHash: 'hash',
            correlationId,
            acceptedAt: clock.now(),
            source: 'http',
        },
    );
    for (let i = 0; i < 100; i++) {
        const next = wakes.nextAt();
        if (next === null) break;
        clock.set(next);
        for (const w of wakes.takeDue(clock.now())) await coordinator.onWake(w.targetId, w.token);
    }
    telemetry.trackHeartbeat('contoso', true, 'reconcile ok');
    telemetry.track({ type: 'RequestRejected', code: 'VALIDATION_FAILED', status: 400, source: 'http' });
    await telemetry.flush();
    // A second flush must not re-send anything (delta metrics, drained batches).
    await telemetry.flush();
    await telemetry.shutdown();
    const state = await coordinator.readState('contoso');
    process.stdout.write(
        `${JSON.stringify({
            accepted: accepted.kind,
            outcome: state.history[0]?.report.outcome ?? null,
            runs: state.history.length,
            warnings,
        })}\n`,
    );
}

main().catch((e: unknown) => {
    process.stderr.write(`driver failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
