import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { BASE_URL, bodyOf, context, type Harness, harness, headerOf, postRequest, principal } from '../harness';

const caseSchema = z.object({
    name: z.string(),
    body: z.unknown().optional(),
    bodyBase64: z.string().optional(),
    bodyRepeat: z.object({ prefix: z.string(), item: z.string(), suffix: z.string(), times: z.number() }).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    roles: z.array(z.string()).optional(),
    /** Which POST function: the changes endpoint (default) or the full-sync endpoint. */
    endpoint: z.enum(['changes', 'fullSync']).optional(),
    seed: z.object({ body: z.unknown(), headers: z.record(z.string(), z.string()).optional() }).optional(),
    status: z.number(),
    code: z.string().nullable(),
    pointer: z.string().optional(),
});
type BadInputCase = z.infer<typeof caseSchema>;

const cases = z
    .array(caseSchema)
    .parse(JSON.parse(readFileSync(join(__dirname, '../../fixtures/intake/badInput.cases.json'), 'utf8')));

/** Everything a refused request could have touched: stored requests, target state, wake-ups, jobs, telemetry. */
async function snapshot(h: Harness): Promise<string> {
    const states = await Promise.all(['contoso', 'fabrikam'].map((t) => h.services.coordinator.readState(t)));
    return JSON.stringify({
        // A request the engine refused (the Initial limit) is stored with its final state `refused`; it is in no
        // window and reconcile never merges it, so it is not an effect of the refused input.
        requests: h.requests.all().filter((r) => r.refusal === undefined),
        states,
        wakes: h.wakes.pending(),
        jobs: [...h.jobs.jobs.keys()],
        accepted: h.telemetry.ofType('RequestAccepted').filter((e) => !e.duplicate).length,
    });
}

function requestFor(c: BadInputCase): HttpRequest {
    const headers = { ...(c.headers ?? {}) };
    if (c.roles !== undefined) headers['x-ms-client-principal'] = principal(c.roles);
    if (c.bodyBase64 !== undefined) {
        return new HttpRequest({
            method: 'POST',
            url: `${BASE_URL}/api/sync/requests`,
            headers: { 'content-type': 'application/json', ...headers },
            body: { bytes: new Uint8Array(Buffer.from(c.bodyBase64, 'base64')) },
        });
    }
    const body =
        c.bodyRepeat === undefined
            ? c.body
            : c.bodyRepeat.prefix + c.bodyRepeat.item.repeat(c.bodyRepeat.times) + c.bodyRepeat.suffix;
    return postRequest(body, headers);
}

async function expectRefusedWithoutEffect(
    h: Harness,
    request: HttpRequest,
    expected: { status: number; code: string | null; pointer?: string; endpoint?: 'changes' | 'fullSync' },
): Promise<void> {
    const before = await snapshot(h);
    const post = expected.endpoint === 'fullSync' ? h.postFullSync : h.post;
    const response = await post(request, context());
    expect(response.status).toBe(expected.status);
    if (expected.code !== null) {
        expect(headerOf(response, 'content-type')).toBe('application/problem+json');
        const problem = bodyOf(response);
        expect(problem).toMatchObject({
            code: expected.code,
            status: expected.status,
            type: `https://entra-sync-trigger.dev/problems/${expected.code}`,
        });
        expect(typeof problem.title).toBe('string');
        expect(typeof problem.detail).toBe('string');
        if (expected.pointer !== undefined) {
            expect(problem.errors).toEqual(
                expect.arrayContaining([expect.objectContaining({ pointer: expected.pointer })]),
            );
        }
        expect(JSON.stringify(problem)).not.toMatch(/\n\s+at /);
    }
    expect(await snapshot(h)).toBe(before);
}

describe('bad-input corpus (fixtures/intake/badInput.cases.json)', () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const h = harness(c.env ?? {});
        if (c.seed !== undefined) {
            const post = c.endpoint === 'fullSync' ? h.postFullSync : h.post;
            const seeded = await post(postRequest(c.seed.body, c.seed.headers ?? {}), context());
            expect(seeded.status).toBe(202);
        }
        await expectRefusedWithoutEffect(h, requestFor(c), c);
    });
});

/** Shell and markup payloads; none may reach state, and each is refused at its own field. */
const METACHARACTERS = [
    '$(Remove-Item C:\\ -Recurse)',
    '`whoami`',
    'x; Stop-Computer',
    'x | Out-File c:\\p',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    '${env:PATH}',
    'a && calc',
];

/**
 * Every change field of every format, as [description, pointer, body builder, headers]. CloudEvents and Event
 * Grid attributes (id, type, subject, extensions, topic, eventType) are not here: they are validated by their
 * CloudEvents type, under which these payloads are legal Strings (cloudEventConformance.test.ts); `source` is
 * here because none of them is a URI-reference.
 */
const STRING_FIELDS: readonly [string, string, (v: string) => unknown, Record<string, string>][] = [
    ['native id', '/id', (v) => ({ kind: 'joiner', id: v }), {}],
    ['native target', '/target', (v) => ({ kind: 'joiner', target: v }), {}],
    ['native upn', '/upn', (v) => ({ kind: 'joiner', upn: `${v}@contoso.com` }), {}],
    ['native domain', '/domain', (v) => ({ kind: 'joiner', domain: v }), {}],
    [
        'native distinguishedName',
        '/distinguishedName',
        (v) => ({ kind: 'mover', distinguishedName: `CN=${v},DC=x` }),
        {},
    ],
    ['native objectId', '/objectId', (v) => ({ kind: 'leaver', objectId: v }), {}],
    ['native kind', '/kind', (v) => ({ kind: v }), {}],
    ['batch target', '/target', (v) => ({ target: v, changes: [{ kind: 'group' }] }), {}],
    ['batch policy', '/policy', (v) => ({ policy: v }), {}],
    ['batch change upn', '/changes/0/upn', (v) => ({ changes: [{ kind: 'group', upn: v }] }), {}],
    [
        'CloudEvent source',
        '/source',
        (v) => cloudEvent({ source: v }),
        { 'content-type': 'application/cloudevents+json' },
    ],
    [
        'CloudEvent data.upn',
        '/data/upn',
        (v) => cloudEvent({ data: { upn: v } }),
        { 'content-type': 'application/cloudevents+json' },
    ],
    [
        'CloudEvent data.distinguishedName',
        '/data/distinguishedName',
        (v) => cloudEvent({ data: { distinguishedName: `CN=${v}` } }),
        { 'content-type': 'application/cloudevents+json' },
    ],
    ['Event Grid data.domain', '/0/data/domain', (v) => [gridEvent({ data: { domain: v } })], {}],
];

function cloudEvent(override: Record<string, unknown>): Record<string, unknown> {
    return { specversion: '1.0', id: 'e-1', source: '/hr', type: 'dev.entra-sync-trigger.change.joiner', ...override };
}

function gridEvent(override: Record<string, unknown>): Record<string, unknown> {
    return {
        id: 'g-1',
        eventType: 'dev.entra-sync-trigger.change.joiner',
        subject: 'users/1',
        eventTime: '2026-01-05T08:00:00Z',
        dataVersion: '1',
        data: {},
        ...override,
    };
}

describe('PowerShell and HTML metacharacters in every string field', () => {
    const matrix = STRING_FIELDS.flatMap(([field, pointer, build, headers]) =>
        METACHARACTERS.map((payload) => [`${field} = ${payload}`, pointer, build(payload), headers] as const),
    );

    it.each(matrix)('%s is refused at its field, state unchanged', async (_name, pointer, body, headers) => {
        const h = harness();
        await expectRefusedWithoutEffect(h, postRequest(body, headers), {
            status: 400,
            code: pointer.endsWith('/policy') ? 'INVALID_POLICY' : 'VALIDATION_FAILED',
            pointer,
        });
    });

    it('refuses a control character in the binary-mode ce-id header and metacharacters in Idempotency-Key', async () => {
        for (const payload of METACHARACTERS) {
            const h = harness();
            // Percent-decoded (http-protocol-binding §3.1.3.2), %07 is BEL: not a CloudEvents String.
            await expectRefusedWithoutEffect(
                h,
                postRequest(
                    {},
                    {
                        'ce-specversion': '1.0',
                        'ce-id': `${encodeURIComponent(payload)}%07`,
                        'ce-source': '/s',
                        'ce-type': 'dev.entra-sync-trigger.change.joiner',
                    },
                ),
                { status: 400, code: 'VALIDATION_FAILED', pointer: '/headers/ce-id' },
            );
            await expectRefusedWithoutEffect(h, postRequest({ kind: 'joiner' }, { 'idempotency-key': payload }), {
                status: 400,
                code: 'INVALID_IDEMPOTENCY_KEY',
                pointer: '/headers/idempotency-key',
            });
        }
    });
});
