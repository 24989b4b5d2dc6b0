import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { pendingChanges } from '../../support/pendingChanges';
import { BASE_URL, bodyOf, context, type Harness, harness, headerOf, postRequest } from '../harness';

/*
 * Issue 13 item 2. Event Grid counts only 200 and 202 as delivered and retries other answers for up to 24 hours
 * (learn.microsoft.com event-grid/delivery-and-retry); the CloudEvents webhook spec (http-webhook.md §2.2) says
 * a delivery "accepted and processed" with a payload answers 200 (or 201), one "accepted, but not yet
 * processed" answers 202. So on every event path an event of a type this service does not handle is
 * acknowledged: a request of only such events answers 200 and submits nothing, a mixed one answers 202 for the
 * events it handles, and both name what was ignored and count it in telemetry. The native API stays strict.
 */

const JOINER = 'dev.entra-sync-trigger.change.joiner';
const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
const OTHER = 'com.example.hr.badge-printed';
const TOPIC = '/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/x/topics/hr';
const SOURCE = 'https://hr.example.com/feed?tenant=contoso';

/** One event to send: its id and type; a handled type carries a change, another type foreign data. */
interface TestEvent {
    readonly id: string;
    readonly type: string;
}

const handled = (id: string): TestEvent => ({ id, type: JOINER });

function dataOf(e: TestEvent): Record<string, unknown> {
    // Foreign data would fail the change schema: an ignored event's data is not ours to validate.
    return e.type === JOINER ? { upn: `${e.id}@contoso.com` } : { url: 'https://x/y.csv', contentLength: 12 };
}

function gridEvent(e: TestEvent): Record<string, unknown> {
    return {
        id: e.id,
        topic: TOPIC,
        eventType: e.type,
        subject: 'users/1',
        eventTime: '2026-01-05T08:00:00Z',
        dataVersion: '1',
        data: dataOf(e),
    };
}

function cloudEvent(e: TestEvent): Record<string, unknown> {
    return { specversion: '1.0', id: e.id, source: SOURCE, type: e.type, data: dataOf(e) };
}

/** How one path sends events and answers its own validation handshake. */
interface EventPath {
    readonly name: string;
    /** The source telemetry should report for this path's events. */
    readonly source: string;
    /** Whether one request can carry several events. */
    readonly batch: boolean;
    readonly request: (events: readonly TestEvent[]) => HttpRequest;
    /** The path's subscription-validation handshake and a check that it was answered as one. */
    readonly validate: (h: Harness) => Promise<void>;
}

async function eventGridHandshake(h: Harness): Promise<void> {
    const validation = [
        {
            id: 'v-1',
            topic: TOPIC,
            subject: '',
            eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
            eventTime: '2026-01-05T08:00:00Z',
            dataVersion: '1',
            data: { validationCode: 'code-123', validationUrl: 'https://eg.example/validate' },
        },
    ];
    const response = await h.post(postRequest(validation, { 'aeg-event-type': 'SubscriptionValidation' }), context());
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({ validationResponse: 'code-123' });
}

async function cloudEventsHandshake(h: Harness): Promise<void> {
    // The webhook spec's OPTIONS preflight, here from a CloudEvents producer that asks for no rate.
    const preflight = new HttpRequest({
        method: 'OPTIONS',
        url: `${BASE_URL}/api/sync/requests`,
        headers: { 'webhook-request-origin': 'hr.example.com' },
    });
    const response = await h.post(preflight, context());
    expect([response.status, headerOf(response, 'webhook-allowed-origin')]).toEqual([200, 'hr.example.com']);
    expect(headerOf(response, 'allow')).toContain('POST');
}

const PATHS: readonly EventPath[] = [
    {
        name: 'Event Grid, one event',
        source: TOPIC,
        batch: false,
        request: (events) => postRequest(events.map(gridEvent), { 'aeg-event-type': 'Notification' }),
        validate: eventGridHandshake,
    },
    {
        name: 'Event Grid, batch',
        source: TOPIC,
        batch: true,
        request: (events) => postRequest(events.map(gridEvent), { 'aeg-event-type': 'Notification' }),
        validate: eventGridHandshake,
    },
    {
        name: 'CloudEvents structured',
        source: SOURCE,
        batch: false,
        request: ([e]) =>
            postRequest(cloudEvent(e ?? handled('x')), { 'content-type': 'application/cloudevents+json' }),
        validate: cloudEventsHandshake,
    },
    {
        name: 'CloudEvents batch',
        source: SOURCE,
        batch: true,
        request: (events) =>
            postRequest(events.map(cloudEvent), { 'content-type': 'application/cloudevents-batch+json' }),
        validate: cloudEventsHandshake,
    },
    {
        name: 'CloudEvents binary',
        source: SOURCE,
        batch: false,
        request: ([e = handled('x')]) =>
            postRequest(dataOf(e), {
                'ce-specversion': '1.0',
                'ce-id': e.id,
                'ce-source': encodeURIComponent(SOURCE),
                'ce-type': e.type,
            }),
        validate: cloudEventsHandshake,
    },
];

/** The events each case sends, for a batch path and for a one-event path. */
const ONLY_UNKNOWN = {
    batch: [
        { id: 'u-1', type: BLOB_CREATED },
        { id: 'u-2', type: OTHER },
        { id: 'u-3', type: BLOB_CREATED },
    ],
    single: [{ id: 'u-1', type: BLOB_CREATED }],
};
const MIXED = [handled('k-1'), { id: 'u-1', type: BLOB_CREATED }, handled('k-2'), { id: 'u-2', type: OTHER }];

interface IgnoredCount {
    readonly eventType: string;
    readonly eventSource: string;
    readonly count: number;
}

const byType = (counts: IgnoredCount[]): IgnoredCount[] =>
    counts.sort((a, b) => (a.eventType < b.eventType ? -1 : a.eventType > b.eventType ? 1 : 0));

function ignoredTelemetry(h: Harness): IgnoredCount[] {
    return byType(
        h.telemetry
            .ofType('EventsIgnored')
            .map(({ eventType, eventSource, count }) => ({ eventType, eventSource, count })),
    );
}

describe.each(PATHS)('events of types the service does not handle, $name', (path) => {
    it('only unknown types: 200, nothing submitted, the ignored events named and counted', async () => {
        const h = harness();
        const events = path.batch ? ONLY_UNKNOWN.batch : ONLY_UNKNOWN.single;
        const response = await h.post(path.request(events), context());

        expect(response.status).toBe(200);
        const body = bodyOf(response);
        expect(body.state).toBe('ignored');
        expect(body.changeCount).toBe(0);
        expect(body.ignored).toEqual(events.map(({ id, type }) => ({ id, type })));
        expect(headerOf(response, 'location')).toBeUndefined();
        expect(h.requests.all()).toHaveLength(0);
        expect((await h.services.coordinator.readState('contoso')).window).toBeNull();

        const expected = new Map<string, number>();
        for (const e of events) expected.set(e.type, (expected.get(e.type) ?? 0) + 1);
        expect(ignoredTelemetry(h)).toEqual(
            byType([...expected].map(([eventType, count]) => ({ eventType, eventSource: path.source, count }))),
        );
        // Counted, never refused: no RequestRejected for an acknowledged request.
        expect(h.telemetry.ofType('RequestRejected')).toEqual([]);
    });

    if (path.batch) {
        it('mixed: 202 for the handled events, the others skipped, named and counted; a redelivery is a duplicate', async () => {
            const h = harness();
            const response = await h.post(path.request(MIXED), context());

            expect(response.status).toBe(202);
            const body = bodyOf(response);
            expect(body.ignored).toEqual([
                { id: 'u-1', type: BLOB_CREATED },
                { id: 'u-2', type: OTHER },
            ]);
            expect(body.targets).toEqual([expect.objectContaining({ targetId: 'contoso', changeCount: 2 })]);
            expect(pendingChanges(await h.services.coordinator.readState('contoso')).changeCount).toBe(2);
            expect(ignoredTelemetry(h)).toEqual(
                byType([
                    { eventType: BLOB_CREATED, eventSource: path.source, count: 1 },
                    { eventType: OTHER, eventSource: path.source, count: 1 },
                ]),
            );

            // Event Grid and CloudEvents producers redeliver: the handled events' ids keep it idempotent.
            const again = await h.post(path.request(MIXED), context());
            expect(again.status).toBe(202);
            expect(bodyOf(again)).toMatchObject({ requestId: body.requestId, duplicate: true });
            expect(pendingChanges(await h.services.coordinator.readState('contoso')).changeCount).toBe(2);
        });
    } else {
        it('one handled event: still 202 with nothing ignored (a one-event request cannot be mixed)', async () => {
            const h = harness();
            const response = await h.post(path.request([handled('k-1')]), context());
            expect(response.status).toBe(202);
            expect(bodyOf(response).ignored).toBeUndefined();
            expect(h.telemetry.ofType('EventsIgnored')).toEqual([]);
        });
    }

    it('the subscription-validation handshake stays handled', async () => {
        const h = harness();
        await path.validate(h);
        expect(h.telemetry.ofType('EventsIgnored')).toEqual([]);
        expect(h.requests.all()).toHaveLength(0);
    });
});

describe('the strict paths', () => {
    it('the native API still refuses a kind it does not know', async () => {
        const h = harness();
        const response = await h.post(postRequest({ kind: 'badge-printed', upn: 'a@contoso.com' }), context());
        expect(response.status).toBe(400);
        expect(bodyOf(response).code).toBe('VALIDATION_FAILED');
        expect(h.telemetry.ofType('EventsIgnored')).toEqual([]);
    });

    it('an unknown type with a malformed envelope is still refused: only the type is forgiven', async () => {
        const h = harness();
        const { eventTime: _dropped, ...noTime } = gridEvent({ id: 'u-1', type: BLOB_CREATED });
        const response = await h.post(postRequest([noTime], { 'aeg-event-type': 'Notification' }), context());
        expect(response.status).toBe(400);
        expect(bodyOf(response).code).toBe('VALIDATION_FAILED');
    });

    it('a caller without write permission is refused before anything is counted as ignored', async () => {
        const h = harness({ AUTH_MODE: 'appRoles' });
        const response = await h.post(
            postRequest([gridEvent({ id: 'u-1', type: BLOB_CREATED })], { 'aeg-event-type': 'Notification' }),
            context(),
        );
        expect(response.status).toBe(401);
        expect(h.telemetry.ofType('EventsIgnored')).toEqual([]);
    });
});
