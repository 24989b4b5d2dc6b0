import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock, MemoryAutomationJobs, MemoryTelemetry, MemoryWakeScheduler } from '../../../src/adapters/memory';
import { MemoryInvalidMessageSink } from '../../../src/adapters/memory/memoryInvalidMessageSink';
import { idempotencyKeyOf, requestIdFor } from '../../../src/app/idempotency';
import { createServices, type Services } from '../../../src/composition/createServices';
import { loadConfig } from '../../../src/config/loadConfig';
import { silentLogger } from '../../../src/ports/logger';
import { functionKeyScope } from '../../../src/transports/http/auth';
import { createGetSyncRequestStatusHandler } from '../../../src/transports/http/getSyncRequestStatus';
import { createPostSyncRequestsHandler, FULL_SYNC_ENTRY } from '../../../src/transports/http/postSyncRequests';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { uniqueTableName } from '../../support/tables';
import { BASE_ENV, bodyOf, context, getRequest, postRequest } from '../harness';

// Four compositions stand for four Functions instances: each has its own config, Table clients and coordinator,
// and they share what instances share: one Azurite account (state and request tables), one clock, one control
// queue and one Automation account.
const INSTANCES = 4;
const REQUESTS = 20;

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

function instances(): Services[] {
    const env = {
        ...BASE_ENV,
        AzureWebJobsStorage: azurite.connectionString,
        STATE_TABLE_NAME: uniqueTableName('state'),
        REQUEST_TABLE_NAME: uniqueTableName('requests'),
    };
    const clock = new ManualClock();
    const shared = {
        clock,
        wakes: new MemoryWakeScheduler(),
        jobs: new MemoryAutomationJobs(clock),
        telemetry: new MemoryTelemetry(),
        invalidMessages: new MemoryInvalidMessageSink(),
        log: silentLogger,
    };
    return Array.from({ length: INSTANCES }, () => createServices(loadConfig(env), shared));
}

describe('the Initial rate limit across instances', () => {
    it(`accepts exactly 1 of ${REQUESTS} concurrent Initial requests for one target on ${INSTANCES} instances`, async () => {
        const services = instances();
        for (const s of services) await s.start();
        const posts = services.map((s) => createPostSyncRequestsHandler(() => s, FULL_SYNC_ENTRY));
        const answers = await Promise.all(
            Array.from({ length: REQUESTS }, (_, i) => {
                const post = posts[i % INSTANCES];
                if (post === undefined) throw new Error('no instance');
                const body = { kind: 'manual', target: 'contoso', policy: 'Initial' };
                return post(postRequest(body, { 'idempotency-key': `full-sync-${i}` }), context());
            }),
        );
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 202)).toHaveLength(1);
        expect(statuses.filter((s) => s === 429)).toHaveLength(REQUESTS - 1);
        const refused = answers.find((a) => a.status === 429);
        expect(refused?.headers).toMatchObject({ 'retry-after': expect.stringMatching(/^\d+$/) });
        expect(bodyOf(refused ?? {})).toMatchObject({ code: 'INITIAL_RATE_LIMITED', targetId: 'contoso' });

        // The one accepted request is in the window; every refused one is stored as refused, not merged later.
        const state = await services[0]?.coordinator.readState('contoso');
        expect(state?.window?.tally.policy).toBe('Initial');
        expect(state?.window?.tally.requestCount).toBe(1);
        expect(await services[0]?.requests.listUnmerged(Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
    });

    it('stores a refused request with its final state, which a poll of its status answers', async () => {
        const [first, second] = instances();
        if (first === undefined || second === undefined) throw new Error('two instances expected');
        await first.start();
        const initial = (key: string) => postRequest({ kind: 'manual', policy: 'Initial' }, { 'idempotency-key': key });
        expect(
            (await createPostSyncRequestsHandler(() => first, FULL_SYNC_ENTRY)(initial('a'), context())).status,
        ).toBe(202);
        expect(
            (await createPostSyncRequestsHandler(() => second, FULL_SYNC_ENTRY)(initial('b'), context())).status,
        ).toBe(429);

        const refusedId = requestIdFor(idempotencyKeyOf(functionKeyScope(FULL_SYNC_ENTRY, null), 'b', null));
        const polled = await createGetSyncRequestStatusHandler(() => second)(
            getRequest(`https://sync.example.test/api/sync/requests/${refusedId}`),
            context(),
        );
        expect(polled.status).toBe(429);
        expect(bodyOf(polled)).toMatchObject({
            code: 'INITIAL_RATE_LIMITED',
            state: 'refused',
            refusal: { reason: 'initialRateLimited' },
        });
        expect(await second.requests.listUnmerged(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    });
});
