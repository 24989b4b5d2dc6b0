import type { TokenCredential } from '@azure/core-auth';
import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAutomationJobs } from '../../../src/adapters/automation';
import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../../src/adapters/memory';
import { MemoryInvalidMessageSink } from '../../../src/adapters/memory/memoryInvalidMessageSink';
import { createServices, type Services } from '../../../src/composition/createServices';
import { type Env, loadConfig } from '../../../src/config/loadConfig';
import type { AutomationJobs } from '../../../src/ports/automationJobs';
import { createGetSyncRequestStatusHandler } from '../../../src/transports/http/getSyncRequestStatus';
import { createPostSyncRequestsHandler, FULL_SYNC_ENTRY } from '../../../src/transports/http/postSyncRequests';
import { createChangeQueueHandler } from '../../../src/transports/serviceBus/changeQueueHandler';
import { createControlQueueHandler } from '../../../src/transports/serviceBus/controlQueueHandler';
import { AutomationFake, isIsoInstant } from '../../support/automationFake';
import { pendingChanges } from '../../support/pendingChanges';
import { BASE_ENV, BASE_URL, bodyOf, getRequest, headerOf } from '../harness';

/*
 * Issue 8 hardening, for HTTP and the change queue: body and batch limits, strict content types, nesting and
 * string-length limits, Initial rate limiting, no secrets or payloads in logs or telemetry, nothing rendered
 * unescaped, and runbook parameters from a closed set. Each refused case gets a clear error and leaves state
 * unchanged; a valid change next to a poisoned one is never lost. BASE_ENV limits: 4096 bytes, 10 changes.
 */

const CANARY_UPN = 'canary.9b2e41@contoso.com';
/** The first ten characters: V8's JSON SyntaxError quotes about that much of the input. */
const CANARY_MARK = CANARY_UPN.slice(0, 10);
const CANARY_KEY = 'fk-canary-3c7d0e55a1';
/** A function key and a bearer token on every request: neither may be logged or tracked. */
const SECRET_HEADERS = { 'x-functions-key': CANARY_KEY, authorization: `Bearer ${CANARY_KEY}` };
const MAX_BYTES = 4096;
const MAX_CHANGES = 10;

/** Services on in-memory ports that capture every log line and telemetry item. */
interface World {
    readonly services: Services;
    readonly clock: ManualClock;
    readonly requests: MemoryRequestStore;
    readonly wakes: MemoryWakeScheduler;
    readonly telemetry: MemoryTelemetry;
    readonly invalidMessages: MemoryInvalidMessageSink;
    readonly logs: string[];
    readonly post: ReturnType<typeof createPostSyncRequestsHandler>;
    /** The full-sync endpoint, which grants Initial with function keys. */
    readonly postFullSync: ReturnType<typeof createPostSyncRequestsHandler>;
    readonly queue: ReturnType<typeof createChangeQueueHandler>;
    readonly control: ReturnType<typeof createControlQueueHandler>;
    readonly getStatus: ReturnType<typeof createGetSyncRequestStatusHandler>;
    context(ids?: readonly string[]): InvocationContext;
}

function world(env: Env = {}, jobs?: (clock: ManualClock, telemetry: MemoryTelemetry) => AutomationJobs): World {
    const config = loadConfig({ ...BASE_ENV, ...env });
    const clock = new ManualClock();
    const requests = new MemoryRequestStore();
    const wakes = new MemoryWakeScheduler();
    const telemetry = new MemoryTelemetry();
    const invalidMessages = new MemoryInvalidMessageSink();
    const logs: string[] = [];
    const services = createServices(config, {
        clock,
        store: new MemoryTargetStateStore(),
        requests,
        wakes,
        jobs: jobs?.(clock, telemetry) ?? new MemoryAutomationJobs(clock),
        telemetry,
        invalidMessages,
        log: {
            info: (m) => logs.push(m),
            warn: (m) => logs.push(m),
            error: (m) => logs.push(m),
        },
    });
    const resolve = () => services;
    return {
        services,
        clock,
        requests,
        wakes,
        telemetry,
        invalidMessages,
        logs,
        post: createPostSyncRequestsHandler(resolve),
        postFullSync: createPostSyncRequestsHandler(resolve, FULL_SYNC_ENTRY),
        queue: createChangeQueueHandler(resolve),
        control: createControlQueueHandler(resolve),
        getStatus: createGetSyncRequestStatusHandler(resolve),
        context: (ids) =>
            new InvocationContext({
                invocationId: 'hardening',
                functionName: 'hardening',
                logHandler: (_level, ...args) => logs.push(args.map((a) => JSON.stringify(a)).join(' ')),
                ...(ids === undefined
                    ? {}
                    : { triggerMetadata: { messageIdArray: [...ids], deliveryCountArray: ids.map(() => 1) } }),
            }),
    };
}

/**
 * Everything a refused input could have touched. A request the engine refused (the Initial limit) is stored with
 * its final state `refused`, so those records are left out: the tests that expect one check it themselves.
 */
async function snapshot(w: World): Promise<string> {
    const states = await Promise.all(['contoso', 'fabrikam'].map((t) => w.services.coordinator.readState(t)));
    return JSON.stringify({
        requests: w.requests.all().filter((r) => r.refusal === undefined),
        states,
        wakes: w.wakes.pending(),
        accepted: w.telemetry.ofType('RequestAccepted').length,
    });
}

/** Every place a secret or payload could leak to: log lines (host and service), telemetry. */
function leakSurface(w: World): string {
    return [
        ...w.logs,
        JSON.stringify(w.telemetry.events),
        JSON.stringify(w.telemetry.dependencies),
        JSON.stringify(w.telemetry.heartbeats),
    ].join('\n');
}

function post(body: string, headers: Record<string, string | null> = {}): HttpRequest {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...SECRET_HEADERS, ...headers })) {
        if (v !== null) merged[k] = v;
    }
    return new HttpRequest({
        method: 'POST',
        url: `${BASE_URL}/api/sync/requests`,
        headers: merged,
        body: { string: body },
    });
}

const joiner = (extra: Record<string, unknown> = {}) => ({ kind: 'joiner', upn: CANARY_UPN, ...extra });
const cloudEvent = (extra: Record<string, unknown> = {}, data: Record<string, unknown> = { upn: CANARY_UPN }) => ({
    specversion: '1.0',
    id: `ce-${Math.random().toString(36).slice(2)}`,
    source: '/hr/notifier',
    type: 'dev.entra-sync-trigger.change.joiner',
    data,
    ...extra,
});
const gridEvent = (extra: Record<string, unknown> = {}) => ({
    id: `g-${Math.random().toString(36).slice(2)}`,
    eventType: 'dev.entra-sync-trigger.change.joiner',
    subject: 'users/1',
    eventTime: '2026-01-05T08:00:00Z',
    dataVersion: '1',
    data: { upn: CANARY_UPN },
    ...extra,
});
const deep = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
};
/** A native joiner padded with spaces to exactly `bytes` bytes. */
const paddedTo = (bytes: number): string => {
    const text = JSON.stringify(joiner());
    return text.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(text)) + '}';
};
const changes = (n: number) => Array.from({ length: n }, () => ({ kind: 'attribute', upn: CANARY_UPN }));
const long = (n: number) => 'a'.repeat(n);

interface HttpCase {
    readonly name: string;
    readonly body: string;
    readonly headers?: Record<string, string | null>;
    readonly status: number;
    readonly code: string;
    readonly pointer?: string;
}

const CE = { 'content-type': 'application/cloudevents+json' };
const CE_BATCH = { 'content-type': 'application/cloudevents-batch+json' };
const json = (v: unknown) => JSON.stringify(v);

const HTTP_CASES: readonly HttpCase[] = [
    // Body limit (bytes, not characters; a lying Content-Length is refused too)
    { name: 'body one byte over the limit', body: paddedTo(MAX_BYTES + 1), status: 413, code: 'BODY_TOO_LARGE' },
    {
        name: 'multi-byte body over the limit in bytes, under it in characters',
        body: json(joiner({ id: 'é'.repeat(2100) })),
        status: 413,
        code: 'BODY_TOO_LARGE',
    },
    {
        name: 'Content-Length declaring more than the limit',
        body: json(joiner()),
        headers: { 'content-length': String(MAX_BYTES * 10) },
        status: 413,
        code: 'BODY_TOO_LARGE',
    },
    // Batch limits, every format
    {
        name: 'native batch one over MAX_CHANGES_PER_REQUEST',
        body: json({ changes: changes(MAX_CHANGES + 1) }),
        status: 413,
        code: 'TOO_MANY_CHANGES',
    },
    {
        name: 'CloudEvents batch one over the limit',
        body: json(Array.from({ length: MAX_CHANGES + 1 }, () => cloudEvent())),
        headers: CE_BATCH,
        status: 413,
        code: 'TOO_MANY_CHANGES',
    },
    {
        name: 'Event Grid array one over the limit',
        body: json(Array.from({ length: MAX_CHANGES + 1 }, () => gridEvent())),
        status: 413,
        code: 'TOO_MANY_CHANGES',
    },
    // Strict content types
    ...[
        'text/json',
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=iso-8859-1',
        'application/json; charset=utf-16',
        'application/jsonl',
        'application/cloudevents+xml',
        'application/json, text/html',
        '',
    ].map((type): HttpCase => ({
        name: `content type "${type}"`,
        body: json(joiner()),
        headers: { 'content-type': type },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        pointer: '/headers/content-type',
    })),
    {
        name: 'no content type',
        body: json(joiner()),
        headers: { 'content-type': null },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    // Nesting depth
    {
        name: 'nesting 17 deep in an unknown field',
        body: json(joiner({ x: deep(16) })),
        status: 400,
        code: 'NESTING_TOO_DEEP',
    },
    {
        name: 'nesting 17 deep in CloudEvent data',
        body: json(cloudEvent({}, { upn: CANARY_UPN, deeper: deep(15) })),
        headers: CE,
        status: 400,
        code: 'NESTING_TOO_DEEP',
    },
    { name: 'a bare 1000-deep array', body: json(deep(1000)), status: 400, code: 'NESTING_TOO_DEEP' },
    {
        // 16 levels pass the depth check and meet the schema: the limit is exactly 16.
        name: 'nesting exactly 16 deep is parsed, then refused by the strict schema',
        body: json(joiner({ x: deep(15) })),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/x',
    },
    // String lengths, every format
    {
        name: 'upn of 257 characters',
        body: json(joiner({ upn: `${long(245)}@contoso.com` })),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/upn',
    },
    {
        name: 'id of 257 characters',
        body: json(joiner({ id: long(257) })),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/id',
    },
    {
        name: 'objectId of 129 characters',
        body: json(joiner({ objectId: long(129) })),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/objectId',
    },
    {
        name: 'distinguishedName of 2049 characters',
        body: json(joiner({ distinguishedName: `CN=${long(2046)}` })),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/distinguishedName',
    },
    {
        name: 'batch change upn of 257 characters',
        body: json({ changes: [{ kind: 'group', upn: `${long(245)}@contoso.com` }] }),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/changes/0/upn',
    },
    {
        name: 'CloudEvent source of 1025 characters',
        body: json(cloudEvent({ source: long(1025) })),
        headers: CE,
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/source',
    },
    {
        name: 'CloudEvent extension of 1025 characters',
        body: json(cloudEvent({ partitionkey: long(1025) })),
        headers: CE,
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/partitionkey',
    },
    {
        name: 'Event Grid subject of 1025 characters',
        body: json([gridEvent({ subject: long(1025) })]),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/0/subject',
    },
    {
        name: 'Idempotency-Key of 256 characters',
        body: json(joiner()),
        headers: { 'idempotency-key': long(256) },
        status: 400,
        code: 'INVALID_IDEMPOTENCY_KEY',
        pointer: '/headers/idempotency-key',
    },
    // Malformed JSON quoting the payload: the problem must not echo it
    {
        name: 'malformed JSON around the UPN',
        body: `{"kind":"joiner","upn": ${CANARY_UPN}}`,
        status: 400,
        code: 'MALFORMED_JSON',
    },
    // A valid change next to a poisoned one: the whole request is refused, naming the bad item
    {
        name: 'batch with a valid change and an unknown kind',
        body: json({ changes: [joiner(), { kind: 'hire', upn: CANARY_UPN }] }),
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/changes/1/kind',
    },
    {
        // `$(whoami)` alone is a legal CloudEvents String (cloudEventConformance.test.ts); a control character is not.
        name: 'CloudEvents batch with a valid event and a control character in the second',
        body: json([cloudEvent(), cloudEvent({ subject: '$(whoami)\u0007' })]),
        headers: CE_BATCH,
        status: 400,
        code: 'VALIDATION_FAILED',
        pointer: '/1/subject',
    },
];

async function expectRefused(
    w: World,
    request: HttpRequest,
    c: Omit<HttpCase, 'name' | 'body'>,
    send: World['post'] = w.post,
): Promise<void> {
    const before = await snapshot(w);
    const response = await send(request, w.context());
    expect(response.status).toBe(c.status);
    expect(headerOf(response, 'content-type')).toBe('application/problem+json');
    expect(headerOf(response, 'x-content-type-options')).toBe('nosniff');
    const problem = bodyOf(response);
    expect(problem).toMatchObject({ code: c.code, status: c.status });
    expect(typeof problem.detail).toBe('string');
    if (c.pointer !== undefined) {
        expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: c.pointer })]));
    }
    // A problem never quotes the payload, the function key or a stack.
    const text = JSON.stringify(problem);
    expect(text).not.toContain(CANARY_MARK);
    expect(text).not.toContain(CANARY_KEY);
    expect(text).not.toMatch(/\n\s+at /);
    expect(await snapshot(w)).toBe(before);
    expect(leakSurface(w)).not.toContain(CANARY_MARK);
    expect(leakSurface(w)).not.toContain(CANARY_KEY);
}

describe('HTTP hardening corpus', () => {
    it.each(HTTP_CASES.map((c) => [c.name, c] as const))('%s: clear error, state unchanged', async (_n, c) => {
        const w = world();
        await expectRefused(w, post(c.body, c.headers), c);
    });

    it('accepts exactly at the limits: body bytes, changes per request, nesting 16, brackets inside strings', async () => {
        const w = world();
        const bodies: [string, Record<string, string>][] = [
            [paddedTo(MAX_BYTES), {}],
            [json({ changes: changes(MAX_CHANGES) }), {}],
            [json(Array.from({ length: MAX_CHANGES }, () => cloudEvent())), CE_BATCH],
            [json(joiner({ id: '['.repeat(100) })), {}],
        ];
        for (const [body, headers] of bodies) {
            const response = await w.post(post(body, headers), w.context());
            expect(response.status, body.slice(0, 60)).toBe(202);
        }
        expect(leakSurface(w)).not.toContain(CANARY_UPN);
    });

    it('the refused batch names the bad item; re-sending the valid change alone is accepted, so nothing is lost', async () => {
        const w = world();
        await expectRefused(w, post(json({ changes: [joiner(), { kind: 'hire' }] })), {
            status: 400,
            code: 'VALIDATION_FAILED',
            pointer: '/changes/1/kind',
        });
        const retried = await w.post(post(json({ changes: [joiner()] })), w.context());
        expect(retried.status).toBe(202);
        expect(pendingChanges(await w.services.coordinator.readState('contoso')).changeCount).toBe(1);
    });

    it('rate-limits Initial per target (429 + Retry-After), state unchanged, and accepts one after the interval', async () => {
        const w = world({ INITIAL_MIN_INTERVAL_SECONDS: '600' });
        const first = await w.postFullSync(post(json(joiner({ policy: 'Initial' }))), w.context());
        expect(first.status).toBe(202);
        for (const [body, headers] of [
            [json(joiner({ policy: 'Initial' })), {}],
            [json({ policy: 'Initial', changes: [joiner()] }), {}],
            [json(cloudEvent({}, { upn: CANARY_UPN, policy: 'Initial' })), CE],
        ] as const) {
            w.clock.advance(60_000);
            await expectRefused(w, post(body, headers), { status: 429, code: 'INITIAL_RATE_LIMITED' }, w.postFullSync);
        }
        const limited = await w.postFullSync(post(json(joiner({ policy: 'Initial' }))), w.context());
        expect(Number(headerOf(limited, 'retry-after'))).toBeGreaterThan(0);
        // Each refused Initial is recorded with its final state, and none of them is in a window.
        const refused = w.requests.all().filter((r) => r.refusal !== undefined);
        expect(refused).toHaveLength(4);
        expect(refused.every((r) => r.windowSeq === null && r.refusal?.reason === 'initialRateLimited')).toBe(true);
        w.clock.advance(600_000);
        expect((await w.postFullSync(post(json(joiner({ policy: 'Initial' }))), w.context())).status).toBe(202);
    });

    it('never echoes a malformed request id on the status route, and answers it as problem JSON with nosniff', async () => {
        const w = world();
        const hostile = '<script>alert(1)</script>';
        const response = await w.getStatus(
            getRequest(`${BASE_URL}/api/sync/requests/${encodeURIComponent(hostile)}`),
            w.context(),
        );
        expect(response.status).toBe(404);
        expect(headerOf(response, 'content-type')).toBe('application/problem+json');
        expect(headerOf(response, 'x-content-type-options')).toBe('nosniff');
        expect(typeof response.body).toBe('string');
        expect(JSON.stringify(bodyOf(response))).not.toContain('<script>');
        expect(bodyOf(response).requestId).toBeUndefined();
    });
});

interface QueueCase {
    readonly name: string;
    readonly body: unknown;
    readonly code: string;
}

const QUEUE_CASES: readonly QueueCase[] = [
    { name: 'string body over the limit', body: paddedTo(MAX_BYTES + 1), code: 'BODY_TOO_LARGE' },
    {
        name: 'decoded body over the limit',
        body: joiner({ id: long(MAX_BYTES) }),
        code: 'BODY_TOO_LARGE',
    },
    {
        name: 'bytes over the limit',
        body: Buffer.from(paddedTo(MAX_BYTES + 1)),
        code: 'BODY_TOO_LARGE',
    },
    { name: 'too many changes', body: json({ changes: changes(MAX_CHANGES + 1) }), code: 'TOO_MANY_CHANGES' },
    {
        // One event per message on the queue: an array (a CloudEvents batch) is not a message shape.
        name: 'an array of events over the limit',
        body: json(Array.from({ length: MAX_CHANGES + 1 }, () => cloudEvent())),
        code: 'VALIDATION_FAILED',
    },
    { name: 'nesting 17 deep (text)', body: json(joiner({ x: deep(16) })), code: 'NESTING_TOO_DEEP' },
    { name: 'nesting 17 deep (decoded)', body: joiner({ x: deep(16) }), code: 'NESTING_TOO_DEEP' },
    { name: 'malformed JSON around the UPN', body: `{"kind":"joiner","upn": ${CANARY_UPN}}`, code: 'MALFORMED_JSON' },
    { name: 'XML body', body: `<change kind="joiner"><upn>${CANARY_UPN}</upn></change>`, code: 'MALFORMED_JSON' },
    { name: 'form-encoded body', body: `kind=joiner&upn=${CANARY_UPN}`, code: 'MALFORMED_JSON' },
    { name: 'upn of 257 characters', body: joiner({ upn: `${long(245)}@contoso.com` }), code: 'VALIDATION_FAILED' },
    { name: 'id of 257 characters', body: joiner({ id: long(257) }), code: 'VALIDATION_FAILED' },
    {
        name: 'CloudEvent source of 1025 characters',
        body: cloudEvent({ source: long(1025) }),
        code: 'VALIDATION_FAILED',
    },
    { name: 'metacharacters in the upn', body: joiner({ upn: '$(whoami)@contoso.com' }), code: 'VALIDATION_FAILED' },
    { name: 'unknown kind', body: { kind: 'hire', upn: CANARY_UPN }, code: 'VALIDATION_FAILED' },
    { name: 'invalid policy', body: joiner({ policy: 'Full; rm -rf' }), code: 'INVALID_POLICY' },
    { name: 'unknown target', body: joiner({ target: 'northwind' }), code: 'UNKNOWN_TARGET' },
    { name: 'a number', body: 42, code: 'VALIDATION_FAILED' },
];

describe('change queue hardening corpus', () => {
    it.each(QUEUE_CASES.map((c) => [c.name, c] as const))(
        '%s: dead-lettered with its code, state unchanged; the valid neighbour is accepted',
        async (_n, c) => {
            const alone = world();
            const before = await snapshot(alone);
            await alone.queue([c.body], alone.context(['bad']));
            expect(alone.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([['bad', c.code]]);
            expect(await snapshot(alone)).toBe(before);
            // The description names the problem and never echoes the payload.
            expect(alone.invalidMessages.messages[0]?.description).not.toContain(CANARY_MARK);

            const w = world();
            await w.queue([c.body, joiner(), c.body], w.context(['bad-1', 'good', 'bad-2']));
            expect(w.invalidMessages.messages.map((m) => m.messageId)).toEqual(['bad-1', 'bad-2']);
            const state = await w.services.coordinator.readState('contoso');
            expect(pendingChanges(state).changeCount).toBe(1);
            expect(w.requests.all()).toHaveLength(1);
            expect(leakSurface(w)).not.toContain(CANARY_MARK);
        },
    );

    it('dead-letters an Initial inside INITIAL_MIN_INTERVAL_SECONDS while the Delta next to it is accepted', async () => {
        const w = world({ INITIAL_MIN_INTERVAL_SECONDS: '600', CHANGE_QUEUE_ALLOW_INITIAL: 'true' });
        await w.queue([joiner({ policy: 'Initial' })], w.context(['initial-1']));
        w.clock.advance(60_000);
        await w.queue([joiner({ policy: 'Initial' }), joiner()], w.context(['initial-2', 'delta']));
        expect(w.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([
            ['initial-2', 'INITIAL_RATE_LIMITED'],
        ]);
        expect(w.requests.all().filter((r) => r.refusal === undefined)).toHaveLength(2);
        expect(w.requests.all().filter((r) => r.refusal !== undefined)).toHaveLength(1);
    });
});

describe('no secrets or payloads in logs or telemetry', () => {
    it('a whole life cycle (accepted, duplicated, refused, dead-lettered, woken, run, polled) leaks neither', async () => {
        const w = world({ TELEMETRY_USER_IDENTIFIERS: 'none' });
        const accepted = await w.post(post(json(joiner()), { 'idempotency-key': 'k-1' }), w.context());
        await w.post(post(json(joiner()), { 'idempotency-key': 'k-1' }), w.context());
        await w.post(post(json(cloudEvent()), CE), w.context());
        await w.post(post(`{"upn": ${CANARY_UPN}`), w.context());
        await w.post(post(json(joiner({ kind: 'hire' }))), w.context());
        await w.queue(
            [joiner(), `{"upn": ${CANARY_UPN}`, { kind: 'hire', upn: CANARY_UPN }],
            w.context(['a', 'b', 'c']),
        );
        for (let i = 0; i < 30; i++) {
            const next = w.wakes.nextAt();
            if (next === null) break;
            w.clock.set(next);
            for (const wake of w.wakes.takeDue(w.clock.now())) {
                await w.control({ targetId: wake.targetId, token: wake.token }, w.context());
            }
        }
        const location = headerOf(accepted, 'location') ?? '';
        const status = await w.getStatus(getRequest(location, SECRET_HEADERS), w.context());
        expect(status.status).toBe(200);
        expect(w.telemetry.ofType('RequestAccepted').length).toBeGreaterThan(0);
        expect(w.logs.length).toBeGreaterThan(0);
        const surface = leakSurface(w);
        expect(surface).not.toContain(CANARY_UPN);
        expect(surface).not.toContain(CANARY_MARK);
        expect(surface).not.toContain(CANARY_KEY);
    });
});

describe('runbook parameters come from a closed set', () => {
    const fakeCredential: TokenCredential = {
        getToken: () => Promise.resolve({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    let fake: AutomationFake;
    let clockRef: { current: ManualClock } = { current: new ManualClock() };
    beforeAll(async () => {
        fake = await AutomationFake.start({ clock: { now: () => clockRef.current.now() } });
    });
    afterAll(() => fake.close());

    const anyText = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.constantFrom('Delta', 'Initial', 'delta', 'INITIAL', 'Full', 'Initial; Remove-Item', '$(calc)', ''),
    );

    it('for any input, Automation receives only PolicyType Delta|Initial, an integer TimeoutSeconds, a hex CorrelationId and at most a NotBefore instant', async () => {
        await fc.assert(
            fc.asyncProperty(
                anyText,
                anyText,
                fc.option(anyText),
                fc.boolean(),
                async (policy, traceparent, ceId, asCloudEvent) => {
                    const w = world({ INITIAL_MIN_INTERVAL_SECONDS: '0' }, (clock, telemetry) => {
                        clockRef = { current: clock };
                        return createAutomationJobs(
                            { automation: { endpoint: fake.baseUri, clientId: null, retryBudgetMs: 0 } },
                            telemetry,
                            { credential: fakeCredential, clock, sleep: () => Promise.resolve() },
                        );
                    });
                    const creates = fake.requestsFor('create').length;
                    const body = asCloudEvent
                        ? json(cloudEvent(ceId === null ? {} : { id: ceId }, { upn: CANARY_UPN, policy }))
                        : json(joiner({ policy }));
                    await w.post(post(body, { ...(asCloudEvent ? CE : {}), traceparent }), w.context());
                    await w.post(post(json(joiner()), { traceparent }), w.context());
                    for (let i = 0; i < 10 && fake.requestsFor('create').length === creates; i++) {
                        const next = w.wakes.nextAt();
                        if (next === null) break;
                        w.clock.set(next);
                        for (const wake of w.wakes.takeDue(w.clock.now())) {
                            await w.control({ targetId: wake.targetId, token: wake.token }, w.context());
                        }
                    }
                    const sent = fake.requestsFor('create').slice(creates);
                    expect(sent.length).toBeGreaterThan(0);
                    for (const request of sent) {
                        const parameters = parametersOf(request.body);
                        // NotBefore is optional (a job queued behind a running one): a toISOString() instant.
                        const { NotBefore: notBefore, ...required } = parameters;
                        expect(Object.keys(required).sort()).toEqual(['CorrelationId', 'PolicyType', 'TimeoutSeconds']);
                        if (notBefore !== undefined) {
                            const instant: unknown = JSON.parse(notBefore);
                            expect(typeof instant === 'string' && isIsoInstant(instant)).toBe(true);
                        }
                        expect(['Delta', 'Initial']).toContain(JSON.parse(parameters.PolicyType ?? 'null'));
                        const timeout: unknown = JSON.parse(parameters.TimeoutSeconds ?? 'null');
                        expect(Number.isInteger(timeout)).toBe(true);
                        expect(JSON.parse(parameters.CorrelationId ?? 'null')).toMatch(/^[0-9a-f-]{32,36}$/);
                        expect(JSON.stringify(request.body)).not.toContain('canary');
                    }
                },
            ),
            { numRuns: 40, seed: 8 },
        );
    });
});

function parametersOf(body: unknown): Record<string, string> {
    const properties: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'properties') : null;
    const parameters: unknown =
        typeof properties === 'object' && properties !== null ? Reflect.get(properties, 'parameters') : null;
    if (typeof parameters !== 'object' || parameters === null) return {};
    return Object.fromEntries(
        Object.entries(parameters).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
}
