import type { EventGridEvent } from '@azure/eventgrid';
import { HttpRequest } from '@azure/functions';
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config/loadConfig';
import { createPostSyncRequestsHandler } from '../../../src/transports/http/postSyncRequests';
import { pendingChanges } from '../../support/pendingChanges';
import { BASE_ENV, BASE_URL, bodyOf, context, getRequest, harness, headerOf, postRequest, principal } from '../harness';

const JOINER = 'dev.entra-sync-trigger.change.joiner';

interface EventData {
    upn?: string;
    target?: string;
}

function fromMessage(message: { headers: Record<string, unknown>; body: unknown }): HttpRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(message.headers)) if (typeof v === 'string') headers[k] = v;
    return new HttpRequest({
        method: 'POST',
        url: `${BASE_URL}/api/sync/requests`,
        headers,
        body: { string: typeof message.body === 'string' ? message.body : JSON.stringify(message.body) },
    });
}

describe('POST sync/requests', () => {
    it('accepts a native joiner with 202, absolute Location, Retry-After and a requestId', async () => {
        const h = harness();
        const response = await h.post(postRequest({ kind: 'joiner', upn: 'new.starter@contoso.com' }), context());
        expect(response.status).toBe(202);
        const body = bodyOf(response);
        const location = headerOf(response, 'location') ?? '';
        expect(location).toBe(`${BASE_URL}/api/sync/requests/${String(body.requestId)}`);
        expect(headerOf(response, 'retry-after')).toBe('10');
        const state = await h.services.coordinator.readState('contoso');
        expect(pendingChanges(state)).toMatchObject({ changeCount: 1, urgentCount: 1, kinds: { joiner: 1 } });
        expect(h.requests.all()).toHaveLength(1);
    });

    it('splits a batch for two targets into one request per target and one Location for both', async () => {
        const h = harness();
        const response = await h.post(
            postRequest({
                changes: [
                    { kind: 'mover', upn: 'a@contoso.com' },
                    { kind: 'attribute', upn: 'b@fabrikam.com' },
                    { kind: 'leaver', target: 'fabrikam' },
                ],
            }),
            context(),
        );
        expect(response.status).toBe(202);
        const body = bodyOf(response);
        expect(body.targets).toEqual([
            expect.objectContaining({
                targetId: 'contoso',
                changeCount: 1,
                requestId: `${String(body.requestId)}_contoso`,
            }),
            expect.objectContaining({
                targetId: 'fabrikam',
                changeCount: 2,
                requestId: `${String(body.requestId)}_fabrikam`,
            }),
        ]);
        expect(new URL(headerOf(response, 'location') ?? '').searchParams.get('targets')).toBe('contoso,fabrikam');
        expect(pendingChanges(await h.services.coordinator.readState('fabrikam')).changeCount).toBe(2);
        const status = await h.getStatus(getRequest(headerOf(response, 'location') ?? ''), context());
        expect(status.status).toBe(202);
        expect(bodyOf(status).state).toBe('waiting');
    });

    it('reads each target of ?targets= once, however often the URL repeats it (issue 13 item 12)', async () => {
        const h = harness();
        const response = await h.post(
            postRequest({
                changes: [
                    { kind: 'mover', upn: 'a@contoso.com' },
                    { kind: 'leaver', target: 'fabrikam' },
                ],
            }),
            context(),
        );
        const location = new URL(headerOf(response, 'location') ?? '');
        let reads = 0;
        const read = h.services.requests.get.bind(h.services.requests);
        h.services.requests.get = (id) => {
            reads++;
            return read(id);
        };
        location.searchParams.set('targets', `${'fabrikam,contoso,'.repeat(250)}unknown,fabrikam`);
        const status = await h.getStatus(getRequest(location.toString()), context());
        expect(status.status).toBe(202);
        expect((bodyOf(status).targets as unknown[]).length).toBe(2);
        expect(reads).toBeLessThanOrEqual(2);
        expect(new URL(headerOf(status, 'location') ?? '').searchParams.get('targets')).toBe('fabrikam,contoso');
    });

    it('accepts a CloudEvent in structured mode (cloudevents SDK) and treats a resend as a retry', async () => {
        const h = harness();
        const event = new CloudEvent<EventData>({
            type: JOINER,
            source: '/hr/workday',
            id: 'evt-1',
            data: { upn: 'j@contoso.com' },
        });
        const message = HTTP.structured(event);
        expect(message.headers['content-type']).toContain('application/cloudevents+json');
        const first = await h.post(fromMessage(message), context());
        const second = await h.post(fromMessage(HTTP.structured(event)), context());
        expect(first.status).toBe(202);
        expect(second.status).toBe(202);
        expect(bodyOf(second).requestId).toBe(bodyOf(first).requestId);
        expect(bodyOf(second).duplicate).toBe(true);
        expect(headerOf(second, 'idempotent-replayed')).toBe('true');
        expect(pendingChanges(await h.services.coordinator.readState('contoso')).changeCount).toBe(1);
    });

    it('accepts a CloudEvent in binary mode (cloudevents SDK)', async () => {
        const h = harness();
        const event = new CloudEvent<EventData>({
            type: 'dev.entra-sync-trigger.change.password',
            source: '/ad/notifier',
            id: 'evt-2',
            datacontenttype: 'application/json',
            data: { upn: 'p@fabrikam.com' },
        });
        const message = HTTP.binary(event);
        expect(message.headers['ce-id']).toBe('evt-2');
        const response = await h.post(fromMessage(message), context());
        expect(response.status).toBe(202);
        expect(bodyOf(response).format).toBe('cloudEvents.binary');
        expect(pendingChanges(await h.services.coordinator.readState('fabrikam'))).toMatchObject({
            kinds: { password: 1 },
        });
    });

    it('accepts a CloudEvents batch built from SDK events', async () => {
        const h = harness();
        const events = [1, 2, 3].map(
            (i) =>
                new CloudEvent<EventData>({
                    type: 'dev.entra-sync-trigger.change.group',
                    source: '/ad',
                    id: `g-${i}`,
                    data: { target: 'contoso' },
                }),
        );
        const response = await h.post(
            postRequest(JSON.stringify(events), { 'content-type': 'application/cloudevents-batch+json' }),
            context(),
        );
        expect(response.status).toBe(202);
        expect(bodyOf(response).format).toBe('cloudEvents.batch');
        expect(pendingChanges(await h.services.coordinator.readState('contoso')).kinds).toEqual({ group: 3 });
    });

    it('accepts Event Grid schema events and answers the SubscriptionValidation handshake', async () => {
        const h = harness();
        const events: EventGridEvent<EventData>[] = [
            {
                id: 'eg-1',
                eventType: JOINER,
                subject: 'users/1',
                eventTime: new Date('2026-01-05T08:00:00Z'),
                dataVersion: '1.0',
                data: { upn: 'x@contoso.com' },
            },
        ];
        const accepted = await h.post(postRequest(events, { 'aeg-event-type': 'Notification' }), context());
        expect(accepted.status).toBe(202);
        expect(bodyOf(accepted).format).toBe('eventGrid');

        const validation: EventGridEvent<{ validationCode: string; validationUrl: string }>[] = [
            {
                id: 'v-1',
                eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
                subject: '',
                eventTime: new Date(),
                dataVersion: '2',
                data: { validationCode: 'ABC-123', validationUrl: 'https://rp.example/validate' },
            },
        ];
        const before = h.requests.all().length;
        const answer = await h.post(postRequest(validation, { 'aeg-event-type': 'SubscriptionValidation' }), context());
        expect(answer.status).toBe(200);
        expect(bodyOf(answer)).toEqual({ validationResponse: 'ABC-123' });
        expect(h.requests.all()).toHaveLength(before);
    });

    it('answers the CloudEvents webhook OPTIONS handshake', async () => {
        const h = harness();
        const response = await h.post(
            new HttpRequest({
                method: 'OPTIONS',
                url: `${BASE_URL}/api/sync/requests`,
                headers: { 'webhook-request-origin': 'eventgrid.azure.net', 'webhook-request-rate': '120' },
            }),
            context(),
        );
        expect(response.status).toBe(200);
        expect(headerOf(response, 'webhook-allowed-origin')).toBe('eventgrid.azure.net');
        expect(headerOf(response, 'webhook-allowed-rate')).toBe('*');
    });

    it('takes the correlation id from traceparent, else derives it from the requestId', async () => {
        const h = harness();
        const traced = await h.post(
            postRequest({ kind: 'manual' }, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
            context(),
        );
        expect(bodyOf(traced).correlationId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
        const untraced = await h.post(postRequest({ kind: 'manual' }), context());
        expect(bodyOf(untraced).correlationId).toBe(String(bodyOf(untraced).requestId).replace(/-/g, ''));
    });

    it('returns the original request for a retried Idempotency-Key and refuses it for another body', async () => {
        const h = harness();
        const first = await h.post(postRequest({ kind: 'joiner' }, { 'idempotency-key': 'hr-42' }), context());
        const retry = await h.post(postRequest({ kind: 'joiner' }, { 'idempotency-key': 'hr-42' }), context());
        expect(bodyOf(retry).requestId).toBe(bodyOf(first).requestId);
        const reused = await h.post(postRequest({ kind: 'leaver' }, { 'idempotency-key': 'hr-42' }), context());
        expect(reused.status).toBe(422);
        expect(bodyOf(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
        expect(pendingChanges(await h.services.coordinator.readState('contoso')).changeCount).toBe(1);
    });

    it('lets the caller make a joiner non-urgent', async () => {
        const h = harness();
        await h.post(postRequest({ kind: 'joiner', urgent: false }), context());
        expect(pendingChanges(await h.services.coordinator.readState('contoso')).urgentCount).toBe(0);
    });

    it('rate-limits Initial per target with 429 + Retry-After, but replays an accepted Initial', async () => {
        const h = harness({ INITIAL_MIN_INTERVAL_SECONDS: '3600' });
        const first = await h.postFullSync(
            postRequest({ policy: 'Initial' }, { 'idempotency-key': 'full-1' }),
            context(),
        );
        expect(first.status).toBe(202);
        h.clock.advance(600_000);
        const second = await h.postFullSync(postRequest({ policy: 'Initial' }), context());
        expect(second.status).toBe(429);
        expect(bodyOf(second).code).toBe('INITIAL_RATE_LIMITED');
        expect(headerOf(second, 'retry-after')).toBe('3000');
        const replay = await h.postFullSync(
            postRequest({ policy: 'Initial' }, { 'idempotency-key': 'full-1' }),
            context(),
        );
        expect(replay.status).toBe(202);
        expect(bodyOf(replay).requestId).toBe(bodyOf(first).requestId);
        const other = await h.postFullSync(postRequest({ policy: 'Initial', target: 'fabrikam' }), context());
        expect(other.status).toBe(202);
    });

    it('uses PUBLIC_BASE_URL and carries a function key in the Location', async () => {
        const h = harness({ PUBLIC_BASE_URL: 'https://gateway.example.test/sync/' });
        const response = await h.post(postRequest({ kind: 'manual' }, {}, { code: 'k3y' }), context());
        const location = new URL(headerOf(response, 'location') ?? '');
        expect(location.origin + location.pathname).toBe(
            `https://gateway.example.test/sync/api/sync/requests/${String(bodyOf(response).requestId)}`,
        );
        expect(location.searchParams.get('code')).toBe('k3y');
    });

    describe('with AUTH_MODE=appRoles', () => {
        const env = { AUTH_MODE: 'appRoles' };

        it('needs a principal (401), the Delta role for Delta (403 without) and the Initial role for Initial', async () => {
            const h = harness(env);
            const anonymous = await h.post(postRequest({ kind: 'joiner' }), context());
            expect([anonymous.status, bodyOf(anonymous).code]).toEqual([401, 'UNAUTHENTICATED']);
            const reader = await h.post(
                postRequest({ kind: 'joiner' }, { 'x-ms-client-principal': principal(['Sync.Read']) }),
                context(),
            );
            expect([reader.status, bodyOf(reader).code]).toEqual([403, 'FORBIDDEN']);
            const delta = principal(['Sync.Request']);
            const ok = await h.post(postRequest({ kind: 'joiner' }, { 'x-ms-client-principal': delta }), context());
            expect(ok.status).toBe(202);
            const initial = await h.post(
                postRequest({ policy: 'Initial' }, { 'x-ms-client-principal': delta }),
                context(),
            );
            expect([initial.status, bodyOf(initial).requiredRoles]).toEqual([403, ['Sync.FullSync']]);
            const full = principal(['Sync.FullSync']);
            const allowed = await h.post(
                postRequest({ policy: 'Initial' }, { 'x-ms-client-principal': full }),
                context(),
            );
            expect(allowed.status).toBe(202);
        });

        it('needs the read role to read a status', async () => {
            const h = harness(env);
            const accepted = await h.post(
                postRequest({ kind: 'joiner' }, { 'x-ms-client-principal': principal(['Sync.Request']) }),
                context(),
            );
            const location = headerOf(accepted, 'location') ?? '';
            const denied = await h.getStatus(
                getRequest(location, { 'x-ms-client-principal': principal(['Sync.Request']) }),
                context(),
            );
            expect(denied.status).toBe(403);
            const allowed = await h.getStatus(
                getRequest(location, { 'x-ms-client-principal': principal(['Sync.Read']) }),
                context(),
            );
            expect(allowed.status).toBe(202);
        });
    });

    it('answers a bad setting with problem+json CONFIG_INVALID naming it, never a stack trace', async () => {
        const handler = createPostSyncRequestsHandler(() => loadConfigServices());
        const response = await handler(postRequest({ kind: 'joiner' }), context());
        expect(response.status).toBe(500);
        expect(headerOf(response, 'content-type')).toBe('application/problem+json');
        const body = bodyOf(response);
        expect(body.code).toBe('CONFIG_INVALID');
        expect(body.setting).toBe('SYNC_QUIET_SECONDS');
        expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
    });
});

function loadConfigServices(): never {
    loadConfig({ ...BASE_ENV, SYNC_QUIET_SECONDS: 'soon' });
    throw new Error('unreachable: the config above is invalid');
}
