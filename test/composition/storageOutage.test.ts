import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MemoryInvalidMessageSink } from '../../src/adapters/memory/memoryInvalidMessageSink';
import { freeLoopbackPort, type RunningAzurite, startAzurite } from '../../src/local/azurite';
import type { FrontDoorResolver } from '../../src/transports/frontDoor';
import { BASE_ENV, BASE_URL, bodyOf, headerOf } from '../transports/harness';

/*
 * Issue 13 item 18: storage that cannot be reached when the service first starts is an outage of a dependency,
 * not a misconfiguration. HTTP answers 503 DEPENDENCY_UNAVAILABLE with Retry-After (a Logic App or Event Grid
 * retries it), the next invocation starts again, and the change queue lets Service Bus redeliver instead of
 * dead-lettering. A setting that is wrong is still 500 CONFIG_INVALID naming it. These run the real composition
 * root (composition/runtime.ts reads process.env once per module instance, hence resetModules).
 */

const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function connectionStringFor(port: number): string {
    const endpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
    return `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};TableEndpoint=${endpoint};`;
}

function context(): InvocationContext {
    return new InvocationContext({ invocationId: 'outage', functionName: 'test', logHandler: () => undefined });
}

function joiner(): HttpRequest {
    return new HttpRequest({
        method: 'POST',
        url: `${BASE_URL}/api/sync/requests`,
        headers: { 'content-type': 'application/json' },
        body: { string: JSON.stringify({ kind: 'joiner', upn: 'new.starter@contoso.com' }) },
    });
}

/** The process's handlers, built from the environment as the Functions host builds them. */
async function freshRuntime() {
    vi.resetModules();
    const runtime = await import('../../src/composition/runtime.js');
    const { createPostSyncRequestsHandler } = await import('../../src/transports/http/postSyncRequests.js');
    const { createGetSyncRequestStatusHandler } = await import('../../src/transports/http/getSyncRequestStatus.js');
    const { createChangeQueueHandler } = await import('../../src/transports/serviceBus/changeQueueHandler.js');
    const resolve: FrontDoorResolver = runtime.getServices;
    return {
        runtime,
        post: createPostSyncRequestsHandler(resolve),
        status: createGetSyncRequestStatusHandler(resolve),
        queue: createChangeQueueHandler(resolve),
    };
}

function useStorage(connectionString: string): void {
    for (const [name, value] of Object.entries(BASE_ENV)) if (value !== undefined) vi.stubEnv(name, value);
    vi.stubEnv('AzureWebJobsStorage', connectionString);
}

beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
});

describe('storage unreachable at first use', () => {
    it('a closed loopback port: 503 DEPENDENCY_UNAVAILABLE with Retry-After on POST and GET, never CONFIG_INVALID', async () => {
        useStorage(connectionStringFor(await freeLoopbackPort()));
        const { post, status } = await freshRuntime();

        const posted = await post(joiner(), context());
        expect(posted.status).toBe(503);
        expect(bodyOf(posted)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', status: 503 });
        expect(bodyOf(posted).setting).toBeUndefined();
        expect(Number(headerOf(posted, 'retry-after'))).toBeGreaterThan(0);

        const read = await status(
            new HttpRequest({
                method: 'GET',
                url: `${BASE_URL}/api/sync/requests/r1`,
                params: { requestId: 'r1' },
            }),
            context(),
        );
        expect(read.status).toBe(503);
        expect(bodyOf(read).code).toBe('DEPENDENCY_UNAVAILABLE');
    });

    it('the change queue: the invocation fails so Service Bus redelivers; nothing is dead-lettered', async () => {
        useStorage(connectionStringFor(await freeLoopbackPort()));
        const { runtime, queue } = await freshRuntime();
        const invalidMessages = new MemoryInvalidMessageSink();
        runtime.setServiceOverrides({ invalidMessages });
        const message = { kind: 'joiner', upn: 'new.starter@contoso.com' };
        await expect(queue([message], context())).rejects.toThrow();
        expect(invalidMessages.messages).toEqual([]);
    });
});

describe('Azurite stopped, then back', () => {
    let azurite: RunningAzurite | undefined;
    afterAll(async () => {
        await azurite?.stop();
    });

    it('503 while it is down (at start and after it), and the next request after it returns is accepted', async () => {
        azurite = await startAzurite();
        const port = azurite.port;
        useStorage(azurite.connectionString);
        await azurite.stop();
        const { runtime, post, queue } = await freshRuntime();
        const invalidMessages = new MemoryInvalidMessageSink();
        runtime.setServiceOverrides({ invalidMessages });

        const down = await post(joiner(), context());
        expect(down.status).toBe(503);
        expect(bodyOf(down).code).toBe('DEPENDENCY_UNAVAILABLE');

        azurite = await startAzurite({ port });
        const up = await post(joiner(), context());
        expect(up.status).toBe(202);

        // Started, then storage goes away: a queued change is retried by Service Bus, not dead-lettered.
        await azurite.stop();
        await expect(queue([{ kind: 'mover', upn: 'a@contoso.com' }], context())).rejects.toThrow(/failed transiently/);
        expect(invalidMessages.messages).toEqual([]);
        const again = await post(joiner(), context());
        expect(again.status).toBe(503);
        expect(headerOf(again, 'retry-after')).toBeDefined();
    }, 120_000);
});

describe('a bad storage setting is still a misconfiguration', () => {
    it.each(['not a connection string', 'AccountName=devstoreaccount1', 'UseDevelopmentStorage'])(
        'AzureWebJobsStorage=%j: 500 CONFIG_INVALID naming the setting, without its value',
        async (value) => {
            useStorage(value);
            const { post } = await freshRuntime();
            const response = await post(joiner(), context());
            expect(response.status).toBe(500);
            const body = bodyOf(response);
            expect(body).toMatchObject({ code: 'CONFIG_INVALID', setting: 'AzureWebJobsStorage' });
            expect(JSON.stringify(body)).not.toContain(value);
        },
    );
});
