import type { TokenCredential } from '@azure/core-auth';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createAutomationJobs, type Sleep } from '../../../src/adapters/automation';
import {
    ManualClock,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../../src/adapters/memory';
import { createCoordinator } from '../../../src/app/coordinator';
import { jobNameFor } from '../../../src/app/jobName';
import { readerReasonOf } from '../../../src/errors';
import type { AutomationJobs, SyncJobParameters } from '../../../src/ports/automationJobs';
import { AutomationFake } from '../../support/automationFake';
import { joinerAccepted, testTarget } from '../../support/targets';

/*
 * Issue 13 item 13: ARM's error text names the subscription, the resource group, the Automation account and the
 * object id of the app's identity, and it used to be copied into a run's reason, which any status reader sees.
 * Readers now get a stable code and a short sentence; the full text goes to telemetry. The ARM bodies below are
 * built the way ARM writes them (AuthorizationFailed, ParentResourceNotFound, …), with generated identifiers.
 */

const fakeCredential: TokenCredential = {
    getToken: () => Promise.resolve({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const parameters: SyncJobParameters = {
    PolicyType: 'Delta',
    TimeoutSeconds: 3600,
    CorrelationId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

const hex = (length: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: length, maxLength: length });
const guid = fc
    .tuple(hex(8), hex(4), hex(4), hex(4), hex(12))
    .map((parts) => parts.join('-'))
    .filter((g) => /[1-9a-f]/.test(g));
/** Resource group and account names: letters, digits, `-`, `_`, `.` (ARM's rules), long enough to be names. */
const resourceName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{5,30}[A-Za-z0-9]$/);

interface ArmFailure {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    /** Identifiers the message names: none may reach a reader. */
    readonly identifiers: readonly string[];
}

/** ARM error bodies as ARM words them, naming scope, identity and resources. */
const armFailure: fc.Arbitrary<ArmFailure> = fc
    .record({
        subscription: guid,
        objectId: guid,
        clientId: guid,
        tenant: guid,
        resourceGroup: resourceName,
        account: resourceName,
        kind: fc.constantFrom(
            { status: 403, code: 'AuthorizationFailed' },
            { status: 401, code: 'InvalidAuthenticationTokenTenant' },
            // A missing account (a missing job on read is an answer, notFound, not a failure: armAutomationJobs.test.ts).
            { status: 404, code: 'ParentResourceNotFound' },
            { status: 400, code: 'BadRequest' },
            { status: 429, code: 'TooManyRequests' },
            { status: 500, code: 'InternalServerError' },
            { status: 503, code: 'ServiceUnavailable' },
        ),
    })
    .map(({ subscription, objectId, clientId, tenant, resourceGroup, account, kind }) => {
        const scope = `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Automation/automationAccounts/${account}`;
        const messages: Record<string, string> = {
            AuthorizationFailed: `The client '${clientId}' with object id '${objectId}' does not have authorization to perform action 'Microsoft.Automation/automationAccounts/jobs/write' over scope '${scope}/jobs/x' or the scope is invalid.`,
            InvalidAuthenticationTokenTenant: `The access token is from the wrong issuer 'https://sts.windows.net/${tenant}/'. It must match the tenant associated with subscription '${subscription}'.`,
            ParentResourceNotFound: `The Resource 'Microsoft.Automation/automationAccounts/${account}' under resource group '${resourceGroup}' was not found.`,
            BadRequest: `Runbook not found for account ${account} in ${scope}; principal ${objectId}.`,
            TooManyRequests: `Subscription '${subscription}' exceeded the request limit for ${scope}.`,
            InternalServerError: `Internal error at ${scope} (activity ${clientId}).`,
            ServiceUnavailable: `Service unavailable for ${account} in resource group ${resourceGroup}.`,
        };
        return {
            status: kind.status,
            code: kind.code,
            message: messages[kind.code] ?? '',
            identifiers: [subscription, objectId, clientId, tenant, resourceGroup, account, scope],
        };
    });

const FORBIDDEN_IN_READER_TEXT = [
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
    /\/subscriptions\//i,
];

function expectNoIdentifiers(text: string, identifiers: readonly string[]): void {
    for (const pattern of FORBIDDEN_IN_READER_TEXT) expect(text).not.toMatch(pattern);
    for (const id of identifiers) expect(text.toLowerCase()).not.toContain(id.toLowerCase());
}

let fake: AutomationFake;
let clock: ManualClock;
let telemetry: MemoryTelemetry;
let seq = 0;
const sleep: Sleep = (ms) => {
    clock.advance(ms);
    return Promise.resolve();
};

beforeAll(async () => {
    clock = new ManualClock();
    fake = await AutomationFake.start({ clock });
});
afterAll(() => fake.close());
beforeEach(() => {
    telemetry = new MemoryTelemetry();
    fake.setDefaultScript({ pickupDelayMs: 0, runMs: 1_000 });
    fake.clearFaults();
});

function adapter(): AutomationJobs {
    return createAutomationJobs(
        { automation: { endpoint: fake.baseUri, clientId: null, retryBudgetMs: 10_000 } },
        telemetry,
        { credential: fakeCredential, clock, sleep },
    );
}

describe('Automation failures reach readers as a code and a sentence; telemetry keeps the detail', () => {
    it('property: for any ARM error body on create or read, the error text names no Azure identifier', async () => {
        const target = testTarget();
        await fc.assert(
            fc.asyncProperty(armFailure, fc.constantFrom('create' as const, 'get' as const), async (failure, op) => {
                telemetry = new MemoryTelemetry();
                fake.clearFaults();
                const jobName = jobNameFor(target.targetId, 'e0000001', ++seq, 1);
                const jobs = adapter();
                if (op === 'get') await jobs.createJob(target, jobName, parameters);
                fake.fail({
                    op,
                    times: 100,
                    fault: { status: failure.status, code: failure.code, message: failure.message },
                });
                const call =
                    op === 'create' ? jobs.createJob(target, jobName, parameters) : jobs.getJob(target, jobName);
                const error: unknown = await call.catch((e: unknown) => e);

                // What the coordinator copies into the run's reason.
                const reason = readerReasonOf(error);
                expect(reason).toMatch(/^AUTOMATION_[A-Z_]+: [^:]+$/);
                expectNoIdentifiers(reason, [...failure.identifiers, target.subscriptionId, target.automationAccount]);
                // The full text, for operators.
                const detail = telemetry.dependencyFailures.map((f) => f.detail).join('\n');
                for (const id of failure.identifiers.filter((i) => failure.message.includes(i)))
                    expect(detail).toContain(id);
                expect(detail).toContain(failure.code);
            }),
            { numRuns: 40 },
        );
    });

    it.each([
        [
            403,
            'create',
            "AUTOMATION_FORBIDDEN: the app's identity may not start jobs in the Automation account (HTTP 403)",
        ],
        [401, 'get', "AUTOMATION_FORBIDDEN: the app's identity may not read jobs in the Automation account (HTTP 401)"],
        [404, 'create', 'AUTOMATION_NOT_FOUND: the Automation account or its runbook was not found (HTTP 404)'],
        [429, 'create', 'AUTOMATION_THROTTLED: Azure Automation throttled the calls until retries ran out (HTTP 429)'],
        [
            503,
            'get',
            'AUTOMATION_UNAVAILABLE: Azure Automation answered with an error until retries ran out (HTTP 503)',
        ],
    ] as const)('a %s on %s reads %j', async (status, op, expected) => {
        const target = testTarget();
        const jobName = jobNameFor(target.targetId, 'e0000001', ++seq, 1);
        const jobs = adapter();
        if (op === 'get') await jobs.createJob(target, jobName, parameters);
        fake.fail({ op, times: 100, fault: { status, message: `scope /subscriptions/${target.subscriptionId}` } });
        const call = op === 'create' ? jobs.createJob(target, jobName, parameters) : jobs.getJob(target, jobName);
        expect(readerReasonOf(await call.catch((e: unknown) => e))).toBe(expected);
        expect(telemetry.dependencyFailures.at(-1)).toMatchObject({
            name: `Automation job.${op}`,
            targetId: target.targetId,
            jobName,
            statusCode: status,
            ...(op === 'create' ? { correlationId: parameters.CorrelationId } : {}),
        });
    });

    it("a failed job's exception and error streams keep their words but lose Azure identifiers", async () => {
        const target = testTarget();
        const jobName = jobNameFor(target.targetId, 'e0000001', ++seq, 1);
        const objectId = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
        const scope = `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.Automation/automationAccounts/${target.automationAccount}`;
        fake.script(jobName, {
            end: 'Failed',
            exception: `Run As identity ${objectId} has no access to ${scope} (account ${target.automationAccount})`,
            streams: [{ type: 'Error', summary: `Hybrid worker group ${target.hybridWorkerGroup} refused the job` }],
        });
        const observation = await adapter().createJob(target, jobName, parameters);
        if (observation.kind !== 'finished') throw new Error(`expected finished, got ${observation.kind}`);
        const reason = observation.report.reason ?? '';
        expect(reason).toMatch(/^The runbook job failed: Run As identity <id> has no access to <resource id>/);
        expect(reason).toContain('refused the job');
        expectNoIdentifiers(reason, [
            objectId,
            target.subscriptionId,
            target.resourceGroup,
            target.automationAccount,
            target.hybridWorkerGroup,
        ]);
        const detail = telemetry.dependencyFailures.find((f) => f.code === 'AUTOMATION_JOB_REPORT')?.detail ?? '';
        expect(detail).toContain(objectId);
        expect(detail).toContain(scope);
    });
});

describe('the coordinator path', () => {
    it('a job start refused by ARM ends the run StartFailed with a reason that names no Azure identifier', async () => {
        const target = testTarget({ quietMs: 1_000, maxWaitMs: 2_000, urgentMaxWaitMs: 1_000, minSpacingMs: 0 });
        const objectId = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
        const scope = `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.Automation/automationAccounts/${target.automationAccount}`;
        fake.fail({
            op: 'create',
            times: 100,
            fault: {
                status: 403,
                code: 'AuthorizationFailed',
                message: `The client '${objectId}' with object id '${objectId}' does not have authorization to perform action 'Microsoft.Automation/automationAccounts/jobs/write' over scope '${scope}'.`,
            },
        });
        const wakes = new MemoryWakeScheduler();
        const coordinator = createCoordinator({
            store: new MemoryTargetStateStore(),
            wakes,
            jobs: adapter(),
            telemetry,
            clock,
            targets: new Map([[target.targetId, target]]),
        });
        await coordinator.acceptChanges(target.targetId, joinerAccepted());
        for (let i = 0; i < 50; i++) {
            const next = wakes.nextAt();
            if (next === null) break;
            clock.set(Math.max(next, clock.now()));
            for (const w of wakes.takeDue(clock.now())) await coordinator.onWake(w.targetId, w.token);
        }
        const state = await coordinator.readState(target.targetId);
        const run = state.history[0];
        expect(run?.report.outcome).toBe('StartFailed');
        expect(run?.report.reason).toMatch(/^AUTOMATION_FORBIDDEN: /);
        expectNoIdentifiers(run?.report.reason ?? '', [
            objectId,
            scope,
            target.resourceGroup,
            target.automationAccount,
        ]);
        for (const event of telemetry.ofType('JobStartFailed')) expect(event.reason).toMatch(/^AUTOMATION_FORBIDDEN: /);
        expect(telemetry.dependencyFailures.some((f) => f.detail.includes(objectId))).toBe(true);
    });

    it('an untyped error (a bug, a raw SDK error) reaches readers as its kind only', () => {
        const raw = Object.assign(
            new Error(`scope '/subscriptions/${testTarget().subscriptionId}/resourceGroups/rg'`),
            {
                name: 'RestError',
            },
        );
        expect(readerReasonOf(raw)).toBe('INTERNAL_ERROR: unexpected RestError; see the service logs');
    });
});
