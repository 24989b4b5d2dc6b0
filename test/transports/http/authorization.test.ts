/**
 * Issue 13, "Authorization and isolation", on the HTTP front door:
 * - item 9: appRoles without App Service Authentication is refused (500 CONFIG_INVALID), a forged principal gets
 *   nothing;
 * - item 10: Initial needs an explicit grant on every HTTP path (the full-sync endpoint's key, or the Initial role);
 * - item 11: idempotency keys and event ids are scoped to the caller;
 * - item 14: Location is built from the configured or platform host name, never the request's Host.
 */
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { idempotencyKeyOf, requestIdFor, sha256Hex } from '../../../src/app/idempotency';
import { loadConfig } from '../../../src/config/loadConfig';
import { createPostSyncRequestsHandler } from '../../../src/transports/http/postSyncRequests';
import {
    BASE_ENV,
    BASE_URL,
    bodyOf,
    context,
    getRequest,
    type Harness,
    harness,
    headerOf,
    postRequest,
    principal,
} from '../harness';

const CE_JSON = { 'content-type': 'application/cloudevents+json' };

/** Every HTTP shape that can ask for Initial, from the specification of each format. */
const INITIAL_REQUESTS: readonly [string, () => HttpRequest][] = [
    ['a native single change', () => postRequest({ kind: 'joiner', upn: 'a@contoso.com', policy: 'Initial' })],
    ['a native batch', () => postRequest({ policy: 'Initial', changes: [{ kind: 'mover', upn: 'b@contoso.com' }] })],
    ['a native request without changes', () => postRequest({ policy: 'Initial' })],
    [
        'a structured CloudEvent',
        () =>
            postRequest(
                {
                    specversion: '1.0',
                    id: 'ce-initial',
                    source: '/hr',
                    type: 'dev.entra-sync-trigger.change.manual',
                    data: { policy: 'Initial' },
                },
                CE_JSON,
            ),
    ],
    [
        'a CloudEvents batch with one Initial among Deltas',
        () =>
            postRequest(
                [
                    { specversion: '1.0', id: 'd1', source: '/hr', type: 'dev.entra-sync-trigger.change.joiner' },
                    {
                        specversion: '1.0',
                        id: 'i1',
                        source: '/hr',
                        type: 'dev.entra-sync-trigger.change.manual',
                        data: { policy: 'Initial' },
                    },
                ],
                { 'content-type': 'application/cloudevents-batch+json' },
            ),
    ],
    [
        'an Event Grid event',
        () =>
            postRequest(
                [
                    {
                        id: 'eg-initial',
                        subject: 'sync',
                        eventType: 'dev.entra-sync-trigger.change.manual',
                        eventTime: '2026-12-01T00:00:00Z',
                        dataVersion: '1',
                        data: { policy: 'Initial' },
                    },
                ],
                { 'aeg-event-type': 'Notification' },
            ),
    ],
];

async function nothingStored(h: Harness): Promise<void> {
    expect(h.requests.all()).toEqual([]);
    for (const target of ['contoso', 'fabrikam']) {
        expect((await h.services.coordinator.readState(target)).window).toBeNull();
    }
}

describe('item 9: appRoles needs App Service Authentication', () => {
    it('answers 500 CONFIG_INVALID naming AUTH_MODE when the platform says authentication is off, and a forged principal gets nothing', async () => {
        for (const platformSays of [{}, { WEBSITE_AUTH_ENABLED: 'False' }, { WEBSITE_AUTH_ENABLED: '' }]) {
            const env = { ...BASE_ENV, WEBSITE_AUTH_ENABLED: undefined, AUTH_MODE: 'appRoles', ...platformSays };
            const handler = createPostSyncRequestsHandler(() => {
                loadConfig(env);
                throw new Error('unreachable: appRoles without platform authentication must not load');
            });
            const forged = postRequest(
                { kind: 'joiner', policy: 'Initial' },
                { 'x-ms-client-principal': principal(['Sync.Request', 'Sync.FullSync']) },
            );
            const response = await handler(forged, context());
            expect(response.status).toBe(500);
            expect(headerOf(response, 'content-type')).toBe('application/problem+json');
            expect(bodyOf(response)).toMatchObject({ code: 'CONFIG_INVALID', setting: 'AUTH_MODE' });
        }
    });

    it('runs appRoles when the platform says authentication is on', async () => {
        const h = harness({ AUTH_MODE: 'appRoles', WEBSITE_AUTH_ENABLED: 'True' });
        const response = await h.post(
            postRequest({ kind: 'joiner' }, { 'x-ms-client-principal': principal(['Sync.Request']) }),
            context(),
        );
        expect(response.status).toBe(202);
    });
});

describe('item 10: Initial needs an explicit grant on every HTTP path', () => {
    describe('function keys', () => {
        it.each(INITIAL_REQUESTS)(
            'the changes endpoint refuses %s asking for Initial: 403 INITIAL_NOT_GRANTED, nothing stored',
            async (_name, request) => {
                const h = harness();
                const response = await h.post(request(), context());
                expect(response.status).toBe(403);
                const problem = bodyOf(response);
                expect(problem).toMatchObject({ code: 'INITIAL_NOT_GRANTED', status: 403 });
                expect(String(problem.detail)).toContain('/api/sync/initial-requests');
                await nothingStored(h);
            },
        );

        it.each(INITIAL_REQUESTS)('the full-sync endpoint accepts %s as Initial', async (_name, request) => {
            const h = harness();
            const response = await h.postFullSync(request(), context());
            expect(response.status).toBe(202);
            expect((bodyOf(response).targets as { policy: string }[]).map((t) => t.policy)).toContain('Initial');
        });

        it('the changes endpoint still accepts Delta, with or without an explicit policy', async () => {
            const h = harness();
            expect((await h.post(postRequest({ kind: 'joiner' }), context())).status).toBe(202);
            expect((await h.post(postRequest({ policy: 'Delta' }), context())).status).toBe(202);
        });
    });

    describe('app roles', () => {
        const env = { AUTH_MODE: 'appRoles' };
        const delta = principal(['Sync.Request']);
        const full = principal(['Sync.Request', 'Sync.FullSync']);

        it.each(INITIAL_REQUESTS)(
            'both endpoints refuse %s asking for Initial without the Initial role (403 FORBIDDEN)',
            async (_name, request) => {
                const h = harness(env);
                for (const post of [h.post, h.postFullSync]) {
                    const req = request();
                    req.headers.set('x-ms-client-principal', delta);
                    const response = await post(req, context());
                    expect([response.status, bodyOf(response).code]).toEqual([403, 'FORBIDDEN']);
                    expect(bodyOf(response).requiredRoles).toEqual(['Sync.FullSync']);
                }
                await nothingStored(h);
            },
        );

        it.each(INITIAL_REQUESTS)('the Initial role grants %s on either endpoint', async (_name, request) => {
            for (const which of ['changes', 'fullSync'] as const) {
                const h = harness(env);
                const req = request();
                req.headers.set('x-ms-client-principal', full);
                const response = await (which === 'changes' ? h.post : h.postFullSync)(req, context());
                expect(response.status).toBe(202);
            }
        });
    });
});

describe('item 11: idempotency keys are scoped to the caller', () => {
    const victimBody = { kind: 'joiner', upn: 'new.starter@contoso.com' };
    const attackerBody = { kind: 'leaver', upn: 'someone@contoso.com' };
    const key = { 'idempotency-key': 'employee-4711' };

    it('function keys: another key holder cannot take a key first; the same key holder replays', async () => {
        const h = harness();
        const attacker = await h.post(
            postRequest(attackerBody, { ...key, 'x-functions-key': 'attacker-key' }),
            context(),
        );
        const victim = await h.post(postRequest(victimBody, { ...key, 'x-functions-key': 'victim-key' }), context());
        expect(attacker.status).toBe(202);
        expect(victim.status).toBe(202);
        expect(bodyOf(victim).duplicate).toBe(false);
        expect(bodyOf(victim).requestId).not.toBe(bodyOf(attacker).requestId);
        // The victim's retry, with its key in the query this time (the host reads either), is its own replay.
        const retry = await h.post(postRequest(victimBody, key, { code: 'victim-key' }), context());
        expect([retry.status, bodyOf(retry).duplicate, bodyOf(retry).requestId]).toEqual([
            202,
            true,
            bodyOf(victim).requestId,
        ]);
        // The same caller reusing its key for another body is still refused.
        const reused = await h.post(postRequest(attackerBody, { ...key, 'x-functions-key': 'victim-key' }), context());
        expect([reused.status, bodyOf(reused).code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    });

    it('function keys: the same key on the changes and full-sync endpoints are separate scopes', async () => {
        const h = harness();
        const headers = { ...key, 'x-functions-key': 'shared-host-key' };
        const onChanges = await h.post(postRequest(attackerBody, headers), context());
        const onFullSync = await h.postFullSync(postRequest(victimBody, headers), context());
        expect([onChanges.status, onFullSync.status]).toEqual([202, 202]);
    });

    it('app roles: principals are separate scopes, whatever keys or roles they hold', async () => {
        const h = harness({ AUTH_MODE: 'appRoles' });
        const as = (objectId: string) => ({
            ...key,
            'x-ms-client-principal': principal(['Sync.Request'], objectId),
            'x-functions-key': 'one-key-for-everyone',
        });
        const attacker = await h.post(postRequest(attackerBody, as('aaaaaaaa-0000-4000-8000-000000000001')), context());
        const victim = await h.post(postRequest(victimBody, as('bbbbbbbb-0000-4000-8000-000000000002')), context());
        expect([attacker.status, victim.status]).toEqual([202, 202]);
        expect(bodyOf(victim).requestId).not.toBe(bodyOf(attacker).requestId);
        // Object ids compare without case (Entra GUIDs).
        const retry = await h.post(postRequest(victimBody, as('BBBBBBBB-0000-4000-8000-000000000002')), context());
        expect([retry.status, bodyOf(retry).duplicate]).toEqual([202, true]);
    });

    it('app roles: the object id may come from the header App Service Authentication sets', async () => {
        const h = harness({ AUTH_MODE: 'appRoles' });
        const headers = {
            'x-ms-client-principal': principal(['Sync.Request'], null),
            'x-ms-client-principal-id': 'cccccccc-0000-4000-8000-000000000003',
        };
        expect((await h.post(postRequest(victimBody, headers), context())).status).toBe(202);
    });

    it('event ids are scoped too: another caller re-using a CloudEvent source+id gets its own request', async () => {
        const h = harness();
        const event = (upn: string) => ({
            specversion: '1.0',
            id: 'hr-4711',
            source: '/hr/workday',
            type: 'dev.entra-sync-trigger.change.joiner',
            data: { upn },
        });
        const first = await h.post(
            postRequest(event('x@contoso.com'), { ...CE_JSON, 'x-functions-key': 'attacker-key' }),
            context(),
        );
        const second = await h.post(
            postRequest(event('new.starter@contoso.com'), { ...CE_JSON, 'x-functions-key': 'victim-key' }),
            context(),
        );
        expect([first.status, second.status]).toEqual([202, 202]);
    });

    it('a request id can no longer be computed from a known key alone', async () => {
        const h = harness();
        const response = await h.post(postRequest(victimBody, { ...key, 'x-functions-key': 'victim-key' }), context());
        // The id as it was derived before keys were scoped (from the key alone).
        const unscoped = requestIdFor(`h-${sha256Hex('header\nemployee-4711')}`);
        expect(bodyOf(response).requestId).not.toBe(unscoped);
    });

    it('keeps the change queue derivation, so a message redelivered across the upgrade stays a duplicate', () => {
        expect(idempotencyKeyOf({ kind: 'changeQueue' }, null, ['servicebus\nm-1'])).toBe(
            `e-${sha256Hex('events\nservicebus\nm-1')}`,
        );
    });

    it('a request stored before keys were scoped stays readable at its status URL', async () => {
        const h = harness();
        const legacyId = requestIdFor(`h-${sha256Hex('header\nemployee-4711')}`);
        await h.requests.register({
            requestId: legacyId,
            targetId: 'contoso',
            windowSeq: null,
            acceptedAt: h.clock.now(),
            changeCount: 1,
            urgentCount: 1,
            policy: 'Delta',
            correlationId: 'c'.repeat(32),
            bodyHash: 'b'.repeat(64),
            idempotencyKey: `h-${sha256Hex('header\nemployee-4711')}`,
        });
        const status = await h.getStatus(getRequest(`${BASE_URL}/api/sync/requests/${legacyId}`), context());
        expect(status.status).toBe(202);
        expect(bodyOf(status).requestId).toBe(legacyId);
    });
});

describe('item 14: Location comes from the configured or platform host name, never the Host header', () => {
    const forgedHost = (headers: Record<string, string> = {}) =>
        new HttpRequest({
            method: 'POST',
            url: 'https://attacker.example/api/sync/requests?code=k3y',
            headers: { 'content-type': 'application/json', host: 'attacker.example', ...headers },
            query: { code: 'k3y' },
            body: { string: JSON.stringify({ kind: 'joiner' }) },
        });

    it('uses WEBSITE_HOSTNAME (App Service) over https, with the function key carried over', async () => {
        const h = harness({ WEBSITE_HOSTNAME: 'func-sync.azurewebsites.net' });
        const response = await h.post(forgedHost({ 'x-forwarded-host': 'attacker.example' }), context());
        const location = new URL(headerOf(response, 'location') ?? '');
        expect(location.origin).toBe('https://func-sync.azurewebsites.net');
        expect(location.searchParams.get('code')).toBe('k3y');
        expect(bodyOf(response).statusUrl).toBe(headerOf(response, 'location'));
    });

    it('uses http for a loopback host name (Core Tools and npm start set localhost:<port>)', async () => {
        const h = harness({ WEBSITE_HOSTNAME: 'localhost:7071' });
        const response = await h.post(forgedHost(), context());
        expect(headerOf(response, 'location')).toMatch(/^http:\/\/localhost:7071\/api\/sync\/requests\//);
    });

    it('prefers PUBLIC_BASE_URL (a gateway) over the platform host name', async () => {
        const h = harness({ PUBLIC_BASE_URL: 'https://gateway.example.test/sync' });
        const response = await h.post(forgedHost(), context());
        expect(headerOf(response, 'location')).toMatch(
            /^https:\/\/gateway\.example\.test\/sync\/api\/sync\/requests\//,
        );
    });

    it('answers a relative Location outside any host, never one built from Host', async () => {
        const h = harness({ WEBSITE_HOSTNAME: undefined });
        const response = await h.post(forgedHost(), context());
        const location = headerOf(response, 'location') ?? '';
        expect(location).toMatch(/^\/api\/sync\/requests\/[0-9a-f-]{36}\?code=k3y$/);
        // The status GET answers the same relative Location.
        const status = await h.getStatus(getRequest(`${BASE_URL}${location}`), context());
        expect(headerOf(status, 'location')).toBe(location);
    });
});
