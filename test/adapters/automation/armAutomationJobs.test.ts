import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createAutomationJobs, type Sleep } from '../../../src/adapters/automation';
import { ManualClock } from '../../../src/adapters/memory/manualClock';
import { MemoryTelemetry } from '../../../src/adapters/memory/memoryTelemetry';
import { jobNameFor } from '../../../src/app/jobName';
import type { JobObservation } from '../../../src/domain/jobObservation';
import {
    isPermanentDependencyError,
    isTransientDependencyError,
    PermanentDependencyError,
    TransientDependencyError,
} from '../../../src/errors';
import type { AutomationJobs, AutomationTarget, SyncJobParameters } from '../../../src/ports/automationJobs';
import { AutomationFake, FAKE_API_VERSION, resultLine } from '../../support/automationFake';

const target: AutomationTarget = {
    targetId: 'contoso',
    subscriptionId: '51766542-3ed7-4a72-a187-0c8ab644ddab',
    resourceGroup: 'rg-sync',
    automationAccount: 'aa-entra-sync',
    runbook: 'Start-EntraSyncCycle',
    hybridWorkerGroup: 'EntraConnectWorkers',
};
const parameters: SyncJobParameters = {
    PolicyType: 'Delta',
    TimeoutSeconds: 3600,
    CorrelationId: '4bf92f3577b34da6a3ce929d0e0e4736',
};
const fakeCredential: TokenCredential = {
    getToken: () => Promise.resolve({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const fixture = (name: string): string =>
    readFileSync(join(__dirname, '../../fixtures/runbook', `${name}.txt`), 'utf8');

let fake: AutomationFake;
let clock: ManualClock;
let telemetry: MemoryTelemetry;
let slept: number[];
let seq = 0;

beforeAll(async () => {
    clock = new ManualClock();
    fake = await AutomationFake.start({ clock });
});
afterAll(() => fake.close());
beforeEach(() => {
    telemetry = new MemoryTelemetry();
    slept = [];
    // A realistic default: a Hybrid Worker polls every 30 s and a delta cycle takes about a minute.
    fake.setDefaultScript({ pickupDelayMs: 30_000, runMs: 60_000 });
    fake.clearFaults();
});

/** Waiting moves the shared manual clock, so the fake's jobs age with the retries. */
const sleep: Sleep = (ms) => {
    slept.push(ms);
    clock.advance(ms);
    return Promise.resolve();
};

function adapter(retryBudgetMs = 30_000, requestTimeoutMs = 30_000): AutomationJobs {
    return createAutomationJobs({ automation: { endpoint: fake.baseUri, clientId: null, retryBudgetMs } }, telemetry, {
        credential: fakeCredential,
        clock,
        sleep,
        requestTimeoutMs,
    });
}

/** A fresh deterministic job name per test, the way the coordinator makes them. */
const nextJobName = (): string => jobNameFor(target.targetId, 'a1b2c3d4', ++seq, 1);

function finished(observation: JobObservation): Extract<JobObservation, { kind: 'finished' }> {
    if (observation.kind !== 'finished') throw new Error(`expected finished, got ${observation.kind}`);
    return observation;
}

describe('creating a job', () => {
    it('PUTs the job on the Hybrid Worker group with JSON-encoded parameters and answers queued', async () => {
        const jobName = nextJobName();
        const observation = await adapter().createJob(target, jobName, parameters);

        expect(observation).toEqual({ kind: 'queued', status: 'New' });
        const [put] = fake.requestsFor('create', jobName);
        expect(put?.method).toBe('PUT');
        expect(put?.path).toBe(
            `/subscriptions/${target.subscriptionId}/resourceGroups/rg-sync/providers/Microsoft.Automation/automationAccounts/aa-entra-sync/jobs/${jobName}`,
        );
        expect(put?.query['api-version']).toBe(FAKE_API_VERSION);
        expect(put?.authorization).toBe('Bearer fake-token');
        expect(put?.status).toBe(201);
        expect(put?.body).toEqual({
            properties: {
                runbook: { name: 'Start-EntraSyncCycle' },
                parameters: {
                    PolicyType: '"Delta"',
                    TimeoutSeconds: '3600',
                    CorrelationId: '"4bf92f3577b34da6a3ce929d0e0e4736"',
                },
                runOn: 'EntraConnectWorkers',
            },
        });
        // The service JSON-decodes each value: what the runbook receives is the original value.
        const decoded = Object.fromEntries(
            Object.entries(fake.job(jobName)?.parameters ?? {}).map(([k, v]) => [k, JSON.parse(v) as unknown]),
        );
        expect(decoded).toEqual(parameters);
    });

    it('sends NotBefore, JSON-encoded like the others, only when it is given', async () => {
        const notBefore = '2026-12-01T06:00:00.000Z';
        const withIt = nextJobName();
        await adapter().createJob(target, withIt, { ...parameters, NotBefore: notBefore });
        const [put] = fake.requestsFor('create', withIt);
        expect(put?.body).toMatchObject({ properties: { parameters: { NotBefore: `"${notBefore}"` } } });
        expect(JSON.parse(fake.job(withIt)?.parameters.NotBefore ?? 'null')).toBe(notBefore);

        const without = nextJobName();
        await adapter().createJob(target, without, parameters);
        const sent = fake.job(without)?.parameters ?? {};
        expect(Object.keys(sent).sort()).toEqual(['CorrelationId', 'PolicyType', 'TimeoutSeconds']);
    });

    it('records one dependency call per HTTP request, with the correlation id', async () => {
        await adapter().createJob(target, nextJobName(), parameters);
        expect(telemetry.dependencies).toEqual([
            {
                name: 'Automation job.create',
                target: `${new URL(fake.baseUri).host}/aa-entra-sync`,
                targetId: 'contoso',
                correlationId: parameters.CorrelationId,
                durationMs: 0,
                success: true,
                resultCode: '201',
            },
        ]);
    });

    it('is idempotent: creating the same name again returns the existing job', async () => {
        const jobName = nextJobName();
        fake.script(jobName, { pickupDelayMs: 10_000, runMs: 60_000 });
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        clock.advance(20_000);

        const again = await jobs.createJob(target, jobName, parameters);

        expect(again.kind).toBe('running');
        expect(fake.requestsFor('create', jobName).map((r) => r.status)).toEqual([201, 409]);
        expect(fake.requestsFor('get', jobName)).toHaveLength(1);
        expect(slept).toEqual([]);
    });

    it('re-creating a job that already finished returns its cycle report', async () => {
        const jobName = nextJobName();
        fake.script(jobName, { output: fixture('completed-export-errors') });
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);

        const again = finished(await jobs.createJob(target, jobName, parameters));

        expect(again.report.outcome).toBe('CompletedWithExportErrors');
        expect(again.report.exportErrors).toBe(2);
    });

    it('refuses a name that exists for another runbook', async () => {
        const jobName = nextJobName();
        const jobs = adapter();
        await jobs.createJob({ ...target, runbook: 'Other-Runbook' }, jobName, parameters);
        await expect(jobs.createJob(target, jobName, parameters)).rejects.toThrow(/^AUTOMATION_JOB_NAME_TAKEN: /);
        expect(telemetry.dependencyFailures.at(-1)?.detail).toMatch(/runs runbook "Other-Runbook"/);
    });
});

describe('reading a job: every status path', () => {
    it('follows a job from New through Activating and Running to Completed, reading output only at the end', async () => {
        const jobName = nextJobName();
        fake.script(jobName, {
            pickupDelayMs: 30_000,
            activatingMs: 5_000,
            runMs: 60_000,
            output: fixture('succeeded'),
        });
        const jobs = adapter();
        const createdAt = clock.now();
        await jobs.createJob(target, jobName, parameters);

        expect(await jobs.getJob(target, jobName)).toEqual({ kind: 'queued', status: 'New' });
        clock.advance(31_000);
        expect(await jobs.getJob(target, jobName)).toEqual({ kind: 'queued', status: 'Activating' });
        clock.advance(10_000);
        expect(await jobs.getJob(target, jobName)).toEqual({
            kind: 'running',
            status: 'Running',
            startedAt: createdAt + 35_000,
        });
        expect(fake.requestsFor('output', jobName)).toHaveLength(0);

        clock.advance(60_000);
        const done = finished(await jobs.getJob(target, jobName));
        expect(done.status).toBe('Completed');
        expect(done.startedAt).toBe(createdAt + 35_000);
        expect(done.endedAt).toBe(createdAt + 95_000);
        expect(done.report.outcome).toBe('Succeeded');
        expect(done.report.connectors).toHaveLength(3);
        expect(fake.requestsFor('output', jobName)).toHaveLength(1);
        // A good result line needs no stream listing.
        expect(fake.requestsFor('streams', jobName)).toHaveLength(0);
    });

    it.each([
        ['succeeded', 'Succeeded'],
        ['completed-export-errors', 'CompletedWithExportErrors'],
        ['skipped-staging', 'SkippedStagingMode'],
        ['skipped-scheduler-suspended', 'SkippedSchedulerSuspended'],
        ['skipped-scheduler-disabled', 'SkippedSchedulerSuspended'],
        ['busy-timeout', 'BusyTimeout'],
        ['failed', 'Failed'],
        ['timed-out', 'TimedOut'],
        ['noise-before-result', 'Succeeded'],
    ])('carries the runbook outcome end to end: %s → %s', async (name, outcome) => {
        const jobName = nextJobName();
        fake.script(jobName, { output: fixture(name) });
        const observation = finished(await adapter().createJob(target, jobName, parameters));
        expect(observation.report.outcome).toBe(outcome);
    });

    it('a Completed job without a result line is Failed, with the warning and error summaries', async () => {
        const jobName = nextJobName();
        fake.script(jobName, {
            output: fixture('malformed-no-result-line'),
            streams: [
                { type: 'Warning', summary: 'ADSync module not found at the expected path' },
                { type: 'Error', summary: 'The term Start-ADSyncSyncCycle is not recognized' },
            ],
        });
        const report = finished(await adapter().createJob(target, jobName, parameters)).report;

        expect(report.outcome).toBe('Failed');
        expect(report.reason).toMatch(/^The job completed but the runbook wrote no result line/);
        expect(report.reason).toContain('errors: The term Start-ADSyncSyncCycle is not recognized');
        expect(report.reason).toContain('warnings: ADSync module not found');
        const filters = fake.requestsFor('streams', jobName).map((r) => r.query.$filter);
        expect(filters).toEqual(["properties/streamType eq 'Error'", "properties/streamType eq 'Warning'"]);
    });

    it.each(['malformed-truncated', 'malformed-unknown-schema', 'malformed-empty'])(
        'a Completed job with %s output is Failed, never a crash',
        async (name) => {
            const jobName = nextJobName();
            fake.script(jobName, { output: fixture(name) });
            const report = finished(await adapter().createJob(target, jobName, parameters)).report;
            expect(report.outcome).toBe('Failed');
            expect(report.reason).toMatch(/^The job completed but/);
        },
    );

    it('a Failed job reports the exception and a bounded list of error summaries', async () => {
        const jobName = nextJobName();
        fake.script(jobName, {
            end: 'Failed',
            exception: 'System.Management.Automation.RuntimeException: ADSync service is stopped',
            output: '',
            streams: Array.from({ length: 12 }, (_, i) => ({
                type: 'Error' as const,
                summary: `error ${i} ${'x'.repeat(400)}`,
            })),
        });
        const observation = finished(await adapter().createJob(target, jobName, parameters));

        expect(observation.status).toBe('Failed');
        expect(observation.report.outcome).toBe('Failed');
        expect(observation.report.reason).toMatch(/^The runbook job failed: System\.Management\.Automation\.Runtime/);
        expect(observation.report.reason).toContain('errors: error 0');
        expect(observation.report.reason?.length).toBeLessThanOrEqual(600);
    });

    it('a Failed job stays Failed even when a result line was written, keeping its connector details', async () => {
        const jobName = nextJobName();
        const connectors = [{ connector: 'corp.contoso.com', runProfile: 'Delta Import', result: 'success' }];
        fake.script(jobName, {
            end: 'Failed',
            exception: 'Job was evicted',
            output: resultLine('Succeeded', { connectors }),
        });
        const report = finished(await adapter().createJob(target, jobName, parameters)).report;
        expect(report.outcome).toBe('Failed');
        expect(report.reason).toBe('The runbook job failed: Job was evicted');
        expect(report.connectors).toEqual(connectors);
    });

    it('a job no worker picks up stays queued (the engine decides "worker offline")', async () => {
        const jobName = nextJobName();
        fake.script(jobName, { stuck: 'New' });
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        clock.advance(6 * 3_600_000);
        expect(await jobs.getJob(target, jobName)).toEqual({ kind: 'queued', status: 'New' });
    });

    it.each(['Suspended', 'Blocked', 'Disconnected'] as const)('%s needs attention', async (status) => {
        const jobName = nextJobName();
        fake.script(jobName, { stuck: status });
        const observation = await adapter().createJob(target, jobName, parameters);
        expect(observation).toMatchObject({ kind: 'attention', status });
        if (status === 'Suspended' && observation.kind === 'attention')
            expect(observation.detail).toBe('Fake suspension');
    });

    it('an unknown job is an answer: not found (issue 13 item 7)', async () => {
        expect(await adapter().getJob(target, nextJobName())).toEqual({ kind: 'notFound' });
    });

    it('a 404 for the account (parent not found) is a permanent failure, not a lost job', async () => {
        fake.fail({ op: 'get', times: 1, fault: { status: 404, code: 'ParentResourceNotFound' } });
        const error: unknown = await adapter()
            .getJob(target, nextJobName())
            .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PermanentDependencyError);
        expect(isPermanentDependencyError(error) && error.statusCode).toBe(404);
    });
});

describe('stopping a job', () => {
    it('stops a running job; it then reads as Stopped', async () => {
        const jobName = nextJobName();
        fake.script(jobName, { runMs: 600_000, stopDelayMs: 5_000 });
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        clock.advance(1_000);

        await jobs.stopJob(target, jobName);

        const [stop] = fake.requestsFor('stop', jobName);
        expect(stop?.method).toBe('POST');
        expect(stop?.path).toMatch(/\/jobs\/[0-9a-f-]+\/stop$/);
        expect(stop?.status).toBe(200);
        expect(await jobs.getJob(target, jobName)).toMatchObject({ kind: 'running', status: 'Stopping' });
        clock.advance(5_000);
        const stopped = finished(await jobs.getJob(target, jobName));
        expect(stopped.status).toBe('Stopped');
        expect(stopped.report).toEqual({ outcome: 'Stopped', exportErrors: 0, reason: 'The job was stopped' });
        expect(fake.requestsFor('output', jobName)).toHaveLength(0);
    });

    it('stops a job stuck in the queue', async () => {
        const jobName = nextJobName();
        fake.script(jobName, { stuck: 'New' });
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        await jobs.stopJob(target, jobName);
        const stopped = finished(await jobs.getJob(target, jobName));
        expect(stopped.report.outcome).toBe('Stopped');
        expect(stopped.startedAt).toBeUndefined();
    });

    it('stopping a job that has just ended is not an error', async () => {
        const jobName = nextJobName();
        fake.script(jobName, {});
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        await expect(jobs.stopJob(target, jobName)).resolves.toBeUndefined();
        expect(fake.requestsFor('stop', jobName)[0]?.status).toBe(400);
    });

    it('stopping an unknown job is done: nothing is left to run (issue 13 item 7)', async () => {
        await expect(adapter().stopJob(target, nextJobName())).resolves.toBeUndefined();
    });
});

describe('resilience', () => {
    it('honours Retry-After on 429 and then succeeds', async () => {
        const jobName = nextJobName();
        fake.fail({ op: 'create', times: 2, fault: { status: 429, retryAfter: '7' } });

        const observation = await adapter().createJob(target, jobName, parameters);

        expect(observation.kind).toBe('queued');
        expect(slept).toEqual([7_000, 7_000]);
        expect(fake.requestsFor('create', jobName).map((r) => r.status)).toEqual([429, 429, 201]);
        expect(telemetry.dependencies.map((d) => [d.resultCode, d.success])).toEqual([
            ['429', false],
            ['429', false],
            ['201', true],
        ]);
    });

    it('understands an HTTP-date Retry-After', async () => {
        const when = new Date(clock.now() + 12_000).toUTCString();
        fake.fail({ op: 'get', times: 1, fault: { status: 429, retryAfter: when } });
        const jobName = nextJobName();
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        await jobs.getJob(target, jobName);
        expect(slept).toEqual([12_000]);
    });

    it('gives up with a transient error when the next wait would overrun the budget', async () => {
        const jobName = nextJobName();
        fake.fail({ op: 'create', times: 10, fault: { status: 429, retryAfter: '20' } });

        const error: unknown = await adapter(30_000)
            .createJob(target, jobName, parameters)
            .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(TransientDependencyError);
        expect(isTransientDependencyError(error) && error.statusCode).toBe(429);
        expect(String(error)).toContain('AUTOMATION_THROTTLED: ');
        // The retry story stays for operators: in the cause and in telemetry, not in what readers see.
        expect(telemetry.dependencyFailures.at(-1)?.detail).toMatch(
            /after 2 attempt\(s\); retry budget of 30 s would be exceeded/,
        );
        expect(slept).toEqual([20_000]);
        expect(fake.requestsFor('create', jobName)).toHaveLength(2);
    });

    it('backs off exponentially on 5xx without Retry-After', async () => {
        const jobName = nextJobName();
        fake.fail({ op: 'create', times: 3, fault: { status: 503, code: 'ServiceUnavailable' } });
        await adapter().createJob(target, jobName, parameters);
        expect(slept).toEqual([1_000, 2_000, 4_000]);
    });

    it('a persistent 500 ends as a transient error naming the status', async () => {
        const jobName = nextJobName();
        fake.fail({ op: 'create', times: 100, fault: { status: 500, message: 'Internal error' } });
        const error: unknown = await adapter(10_000)
            .createJob(target, jobName, parameters)
            .catch((e: unknown) => e);
        expect(isTransientDependencyError(error)).toBe(true);
        expect(String(error)).toContain('AUTOMATION_UNAVAILABLE: ');
        expect(String(error)).toContain('(HTTP 500)');
        expect(telemetry.dependencyFailures.at(-1)?.detail).toMatch(/\(500 InternalServerError\).*Internal error/);
        expect(slept).toEqual([1_000, 2_000, 4_000]);
    });

    it('retries a dropped connection', async () => {
        const jobName = nextJobName();
        fake.script(jobName, {});
        fake.fail({ op: 'get', times: 1, fault: { reset: true } });
        const jobs = adapter();
        await jobs.createJob(target, jobName, parameters);
        await expect(jobs.getJob(target, jobName)).resolves.toMatchObject({ kind: 'finished' });
        expect(slept).toEqual([1_000]);
        expect(telemetry.dependencies.find((d) => !d.success)?.resultCode).toMatch(/^E[A-Z]+$/);
    });

    it('a request that gets no answer times out and is retried as transient', async () => {
        const jobName = nextJobName();
        fake.script(jobName, {});
        fake.fail({ op: 'get', times: 1, fault: { hang: true } });
        const jobs = adapter(30_000, 250);
        await jobs.createJob(target, jobName, parameters);
        await expect(jobs.getJob(target, jobName)).resolves.toMatchObject({ kind: 'finished' });
        expect(slept).toEqual([1_000]);
        expect(fake.requestsFor('get', jobName)).toHaveLength(2);
    });

    it('a cancellation during the back-off ends the call as cancelled', async () => {
        const jobName = nextJobName();
        const controller = new AbortController();
        fake.fail({ op: 'create', times: 1, fault: { status: 503 } });
        const jobs = createAutomationJobs(
            { automation: { endpoint: fake.baseUri, clientId: null, retryBudgetMs: 30_000 } },
            telemetry,
            {
                credential: fakeCredential,
                clock,
                sleep: () => {
                    controller.abort();
                    return Promise.reject(new Error('aborted while waiting'));
                },
            },
        );
        await expect(jobs.createJob(target, jobName, parameters, { abortSignal: controller.signal })).rejects.toThrow(
            /cancelled/,
        );
        expect(fake.requestsFor('create', jobName)).toHaveLength(1);
    });

    it.each([
        [401, 'AuthenticationFailed'],
        [403, 'AuthorizationFailed'],
        [400, 'BadRequest'],
    ])('a %s is permanent at once, without retry', async (status, code) => {
        const jobName = nextJobName();
        fake.fail({ op: 'create', times: 1, fault: { status, code, message: 'refused' } });
        const error: unknown = await adapter()
            .createJob(target, jobName, parameters)
            .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PermanentDependencyError);
        expect(isPermanentDependencyError(error) && error.statusCode).toBe(status);
        expect(String(error)).toContain(`(HTTP ${status})`);
        expect(telemetry.dependencyFailures.at(-1)).toMatchObject({ statusCode: status, jobName });
        expect(telemetry.dependencyFailures.at(-1)?.detail).toContain(`(${status} ${code})`);
        expect(slept).toEqual([]);
        expect(fake.requestsFor('create', jobName)).toHaveLength(1);
    });

    it('with a zero budget makes exactly one attempt', async () => {
        const jobName = nextJobName();
        fake.fail({ op: 'create', times: 1, fault: { status: 503 } });
        await expect(adapter(0).createJob(target, jobName, parameters)).rejects.toBeInstanceOf(
            TransientDependencyError,
        );
        expect(slept).toEqual([]);
    });

    it('retries a throttled output read inside a getJob', async () => {
        const jobName = nextJobName();
        fake.script(jobName, { output: fixture('busy-timeout') });
        fake.fail({ op: 'output', times: 1, fault: { status: 429, retryAfter: '3' } });
        const observation = finished(await adapter().createJob(target, jobName, parameters));
        expect(observation.report.outcome).toBe('BusyTimeout');
        expect(slept).toEqual([3_000]);
    });

    it('a cancelled call stops retrying', async () => {
        const jobName = nextJobName();
        const controller = new AbortController();
        controller.abort();
        const error: unknown = await adapter()
            .createJob(target, jobName, parameters, { abortSignal: controller.signal })
            .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientDependencyError);
        expect(String(error)).toMatch(/cancelled/);
        expect(slept).toEqual([]);
    });
});
