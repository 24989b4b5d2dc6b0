import { HttpRequest, InvocationContext } from '@azure/functions';

import {
    type JobPlan,
    ManualClock,
    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../src/adapters/memory';
import { MemoryInvalidMessageSink } from '../../src/adapters/memory/memoryInvalidMessageSink';
import { createServices, type Services } from '../../src/composition/createServices';
import { type Env, loadConfig } from '../../src/config/loadConfig';
import { silentLogger } from '../../src/ports/logger';
import { createGetSyncRequestStatusHandler } from '../../src/transports/http/getSyncRequestStatus';
import {
    CHANGES_ENTRY,
    createPostSyncRequestsHandler,
    FULL_SYNC_ENTRY,
} from '../../src/transports/http/postSyncRequests';

const TARGETS = [
    {
        id: 'contoso',
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        resourceGroup: 'rg-sync',
        automationAccount: 'aa-contoso',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
    },
    {
        id: 'fabrikam',
        subscriptionId: '00000000-0000-0000-0000-000000000002',
        resourceGroup: 'rg-sync',
        automationAccount: 'aa-fabrikam',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
    },
];

export const BASE_ENV: Env = {
    SYNC_TARGETS: JSON.stringify(TARGETS),
    SYNC_ROUTING: JSON.stringify({
        defaultTarget: 'contoso',
        rules: [{ upnSuffix: 'fabrikam.com', target: 'fabrikam' }],
    }),
    AUTOMATION_MODE: 'simulated',
    HTTP_MAX_BODY_BYTES: '4096',
    MAX_CHANGES_PER_REQUEST: '10',
    // What the platform sets on an app at https://sync.example.test with App Service Authentication on (so
    // AUTH_MODE=appRoles cases load; test/config/loadConfig.test.ts covers the refusal without it).
    WEBSITE_HOSTNAME: 'sync.example.test',
    WEBSITE_AUTH_ENABLED: 'True',
};

/** Services on in-memory ports, with handles to each fake for assertions. */
export interface Harness {
    readonly services: Services;
    readonly clock: ManualClock;
    readonly store: MemoryTargetStateStore;
    readonly requests: MemoryRequestStore;
    readonly wakes: MemoryWakeScheduler;
    readonly jobs: MemoryAutomationJobs;
    readonly telemetry: MemoryTelemetry;
    readonly invalidMessages: MemoryInvalidMessageSink;
    /** POST sync/requests (the changes endpoint). */
    readonly post: ReturnType<typeof createPostSyncRequestsHandler>;
    /** POST sync/initial-requests (the full-sync endpoint, which grants Initial with function keys). */
    readonly postFullSync: ReturnType<typeof createPostSyncRequestsHandler>;
    readonly getStatus: ReturnType<typeof createGetSyncRequestStatusHandler>;
}

/**
 * Builds the intake on in-memory ports.
 * @param env - settings on top of {@link BASE_ENV}
 * @param options - how in-memory jobs behave
 */
export function harness(
    env: Env = {},
    options: { plan?: (jobName: string) => JobPlan; requests?: MemoryRequestStore } = {},
): Harness {
    const config = loadConfig({ ...BASE_ENV, ...env });
    const clock = new ManualClock();
    const store = new MemoryTargetStateStore();
    const requests = options.requests ?? new MemoryRequestStore();
    const wakes = new MemoryWakeScheduler();
    const plan = options.plan;
    const jobs =
        plan === undefined
            ? new MemoryAutomationJobs(clock)
            : new MemoryAutomationJobs(clock, (job) => plan(job.jobName));
    const telemetry = new MemoryTelemetry();
    const invalidMessages = new MemoryInvalidMessageSink();
    const services = createServices(config, {
        clock,
        store,
        requests,
        wakes,
        jobs,
        telemetry,
        invalidMessages,
        log: silentLogger,
    });
    const resolve = () => services;
    return {
        services,
        clock,
        store,
        requests,
        wakes,
        jobs,
        telemetry,
        invalidMessages,
        post: createPostSyncRequestsHandler(resolve, CHANGES_ENTRY),
        postFullSync: createPostSyncRequestsHandler(resolve, FULL_SYNC_ENTRY),
        getStatus: createGetSyncRequestStatusHandler(resolve),
    };
}

export const BASE_URL = 'https://sync.example.test';

/** A POST to sync/requests with a JSON body (a string is sent as is). */
export function postRequest(
    body: unknown,
    headers: Record<string, string> = {},
    query: Record<string, string> = {},
): HttpRequest {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new HttpRequest({
        method: 'POST',
        url: `${BASE_URL}/api/sync/requests`,
        headers: { 'content-type': 'application/json', ...headers },
        query,
        body: { string: text },
    });
}

/**
 * A GET of an absolute status URL, as Logic Apps polls it.
 * @param location - the Location header
 * @param headers - extra headers
 */
export function getRequest(location: string, headers: Record<string, string> = {}): HttpRequest {
    const url = new URL(location);
    const requestId = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    return new HttpRequest({
        method: 'GET',
        url: location,
        headers,
        params: { requestId },
        query: Object.fromEntries(url.searchParams.entries()),
    });
}

export function context(): InvocationContext {
    return new InvocationContext({ invocationId: 'test', functionName: 'test', logHandler: () => undefined });
}

/** The parsed JSON body of a response init (body is a string or jsonBody). */
export function bodyOf(response: { body?: unknown; jsonBody?: unknown }): Record<string, unknown> {
    const raw: unknown =
        response.jsonBody ?? (typeof response.body === 'string' ? JSON.parse(response.body) : undefined);
    if (typeof raw !== 'object' || raw === null) throw new Error('response has no JSON body');
    return Object.fromEntries(Object.entries(raw));
}

/** A header of a response init. */
export function headerOf(response: { headers?: unknown }, name: string): string | undefined {
    const headers = response.headers;
    if (typeof headers !== 'object' || headers === null) return undefined;
    const value: unknown = Reflect.get(headers, name.toLowerCase());
    return typeof value === 'string' ? value : undefined;
}

/** The Entra object id of the default test principal. */
const CALLER_OBJECT_ID = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';

/**
 * A base64 client principal header with these roles, as App Service Authentication forwards it (object id in the
 * long claim type).
 * @param roles - the app roles
 * @param objectId - the principal's Entra object id; null: none
 */
export function principal(roles: readonly string[], objectId: string | null = CALLER_OBJECT_ID): string {
    const oid =
        objectId === null
            ? []
            : [{ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: objectId }];
    return Buffer.from(
        JSON.stringify({
            auth_typ: 'aad',
            claims: [{ typ: 'name', val: 'caller' }, ...oid, ...roles.map((val) => ({ typ: 'roles', val }))],
        }),
    ).toString('base64');
}
