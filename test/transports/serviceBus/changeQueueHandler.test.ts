import { InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MemoryRequestStore } from '../../../src/adapters/memory';
import type { RequestRecord } from '../../../src/domain/requestStatus';
import { TransientDependencyError } from '../../../src/errors';
import type { RegisterRequestResult } from '../../../src/ports/requestStore';
import { createChangeQueueHandler } from '../../../src/transports/serviceBus/changeQueueHandler';
import { pendingChanges } from '../../support/pendingChanges';
import { type Harness, harness } from '../harness';

/** A request store whose n-th registration fails as a storage outage would. */
class FlakyRequestStore extends MemoryRequestStore {
    private calls = 0;
    constructor(private readonly failingCall: number) {
        super();
    }
    override register(record: RequestRecord): Promise<RegisterRequestResult> {
        if (++this.calls === this.failingCall) {
            return Promise.reject(new TransientDependencyError('Simulated 503 from Table storage', 503));
        }
        return super.register(record);
    }
}

function batchContext(messageIds: readonly string[]): InvocationContext {
    return new InvocationContext({
        invocationId: 'sb',
        functionName: 'changeQueue',
        logHandler: () => undefined,
        triggerMetadata: { messageIdArray: [...messageIds], deliveryCountArray: messageIds.map(() => 1) },
    });
}

const cloudEvent = {
    specversion: '1.0',
    id: 'ce-1',
    source: '/ad/notifier',
    type: 'dev.entra-sync-trigger.change.group',
    data: { target: 'fabrikam' },
};

async function windowCount(h: Harness, target: string): Promise<number> {
    return pendingChanges(await h.services.coordinator.readState(target)).changeCount;
}

describe('change queue trigger (cardinality many)', () => {
    it('accepts valid messages and dead-letters invalid ones next to them, naming the problem', async () => {
        const h = harness();
        const handler = createChangeQueueHandler(() => h.services);
        await handler(
            [
                { kind: 'joiner', upn: 'a@contoso.com' },
                '{"kind": "joiner",',
                Buffer.from(JSON.stringify(cloudEvent)),
                { kind: 'leaver', target: 'northwind' },
                JSON.stringify({ changes: [{ kind: 'mover' }, { kind: 'hire' }] }),
            ],
            batchContext(['m1', 'm2', 'm3', 'm4', 'm5']),
        );
        expect(await windowCount(h, 'contoso')).toBe(1);
        expect(await windowCount(h, 'fabrikam')).toBe(1);
        expect(h.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([
            ['m2', 'MALFORMED_JSON'],
            ['m4', 'UNKNOWN_TARGET'],
            ['m5', 'VALIDATION_FAILED'],
        ]);
        expect(h.invalidMessages.messages[1]?.description).toContain('/target: is not a configured target');
        expect(h.invalidMessages.messages[2]?.description).toContain('/changes/1/kind');
        // The dead-lettered copy keeps the body, so nothing is lost; the description never echoes it.
        expect(h.invalidMessages.messages[1]?.body).toContain('northwind');
        expect(h.invalidMessages.messages[1]?.description).not.toContain('northwind');
        expect(h.telemetry.ofType('RequestRejected')).toHaveLength(3);
    });

    it('throws on a transient failure after handling the rest; the redelivered batch counts nothing twice', async () => {
        const h = harness({}, { requests: new FlakyRequestStore(2) });
        const handler = createChangeQueueHandler(() => h.services);
        const batch = [{ kind: 'attribute' }, { kind: 'attribute', target: 'fabrikam' }, { kind: 'group' }];
        const ids = ['a1', 'a2', 'a3'];
        await expect(handler(batch, batchContext(ids))).rejects.toThrow(/1 of 3 messages failed transiently/);
        expect(await windowCount(h, 'contoso')).toBe(2);
        expect(await windowCount(h, 'fabrikam')).toBe(0);

        await handler(batch, batchContext(ids));
        expect(await windowCount(h, 'contoso')).toBe(2);
        expect(await windowCount(h, 'fabrikam')).toBe(1);
        expect(h.requests.all()).toHaveLength(3);
    });

    it('throws when the dead-letter path is down, so the poisoned message is not lost and its neighbour stays accepted', async () => {
        const h = harness();
        const handler = createChangeQueueHandler(() => h.services);
        h.invalidMessages.failNext(1);
        const batch = [{ kind: 'joiner' }, 'not json'];
        await expect(handler(batch, batchContext(['v1', 'p1']))).rejects.toThrow(/redelivered/);
        expect(await windowCount(h, 'contoso')).toBe(1);
        expect(h.invalidMessages.messages).toHaveLength(0);

        await handler(batch, batchContext(['v1', 'p1']));
        expect(await windowCount(h, 'contoso')).toBe(1);
        expect(h.invalidMessages.messages.map((m) => m.reason)).toEqual(['MALFORMED_JSON']);
    });

    it('dead-letters an Initial that arrives within INITIAL_MIN_INTERVAL_SECONDS', async () => {
        const h = harness({ CHANGE_QUEUE_ALLOW_INITIAL: 'true' });
        const handler = createChangeQueueHandler(() => h.services);
        await handler([{ policy: 'Initial' }], batchContext(['i1']));
        await handler([{ policy: 'Initial' }], batchContext(['i2']));
        expect(h.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([
            ['i2', 'INITIAL_RATE_LIMITED'],
        ]);
    });

    describe('Initial needs CHANGE_QUEUE_ALLOW_INITIAL (issue 13 item 10)', () => {
        const initialShapes: readonly [string, unknown][] = [
            ['a native Initial', { policy: 'Initial' }],
            [
                'a native Initial with changes',
                { policy: 'Initial', changes: [{ kind: 'joiner', upn: 'a@contoso.com' }] },
            ],
            ['an Initial routed to another target', { policy: 'Initial', target: 'fabrikam' }],
            [
                'a CloudEvent asking for Initial',
                { ...cloudEvent, id: 'initial-event', data: { target: 'fabrikam', policy: 'Initial' } },
            ],
        ];

        it.each(initialShapes)(
            'by default dead-letters %s with INITIAL_NOT_GRANTED, never downgrading it',
            async (_name, body) => {
                const h = harness();
                const handler = createChangeQueueHandler(() => h.services);
                await handler([body, { kind: 'joiner' }], batchContext(['initial', 'delta']));
                expect(h.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([
                    ['initial', 'INITIAL_NOT_GRANTED'],
                ]);
                expect(h.invalidMessages.messages[0]?.description).toMatch(/CHANGE_QUEUE_ALLOW_INITIAL/);
                // Nothing of the Initial message reached a window, as Initial or as Delta; its Delta neighbour did.
                const states = await Promise.all(
                    ['contoso', 'fabrikam'].map((t) => h.services.coordinator.readState(t)),
                );
                expect(states.map((s) => s?.window?.tally.policy ?? s?.runs?.ahead.tally.policy ?? null)).toEqual([
                    'Delta',
                    null,
                ]);
                expect(h.requests.all()).toHaveLength(1);
            },
        );

        it.each(initialShapes)('with CHANGE_QUEUE_ALLOW_INITIAL=true accepts %s as Initial', async (_name, body) => {
            const h = harness({ CHANGE_QUEUE_ALLOW_INITIAL: 'true' });
            const handler = createChangeQueueHandler(() => h.services);
            await handler([body], batchContext(['initial']));
            expect(h.invalidMessages.messages).toEqual([]);
            expect(h.requests.all().map((r) => r.policy)).toEqual(['Initial']);
        });
    });

    it('uses the CloudEvent id over the message id, so a re-sent event is a duplicate', async () => {
        const h = harness();
        const handler = createChangeQueueHandler(() => h.services);
        await handler([cloudEvent], batchContext(['first-send']));
        await handler([cloudEvent], batchContext(['second-send']));
        expect(await windowCount(h, 'fabrikam')).toBe(1);
        expect(h.telemetry.ofType('RequestAccepted').map((e) => e.duplicate)).toEqual([false, true]);
    });

    it('dead-letters a 5,000-level message alone; its neighbours in the batch are accepted (issue 13 item 5)', async () => {
        const h = harness();
        const handler = createChangeQueueHandler(() => h.services);
        // About 10 KB as text; decoded by the host, it is a 5,000-level value that JSON.stringify cannot walk.
        await handler(
            [{ kind: 'joiner', upn: 'a@contoso.com' }, deepValue(5000), { kind: 'leaver', target: 'fabrikam' }],
            batchContext(['v1', 'deep', 'v2']),
        );
        expect(await windowCount(h, 'contoso')).toBe(1);
        expect(await windowCount(h, 'fabrikam')).toBe(1);
        expect(h.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([['deep', 'NESTING_TOO_DEEP']]);
        expect(h.invalidMessages.messages[0]?.description).toContain('nesting');
        // The dead-letter copy keeps the whole body, although JSON.stringify cannot serialise it.
        expect(h.invalidMessages.messages[0]?.body).toBe(
            `${'{"nested":'.repeat(5000)}{"kind":"joiner"}${'}'.repeat(5000)}`,
        );
    });

    it('property: one poisoned message of any kind, anywhere in a batch, is dead-lettered alone', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.array(fc.constantFrom('contoso', 'fabrikam'), { minLength: 1, maxLength: 5 }),
                fc.nat(),
                fc.constantFrom(...POISONS),
                async (targets, at, [expectedReason, poison]) => {
                    const h = harness();
                    const handler = createChangeQueueHandler(() => h.services);
                    const valid = targets.map((target, i) => ({ kind: 'attribute', target, id: `v${i}` }));
                    const position = at % (valid.length + 1);
                    const batch: unknown[] = [...valid.slice(0, position), poison(), ...valid.slice(position)];
                    const ids = batch.map((_, i) => (i === position ? 'poison' : `m${i}`));
                    await handler(batch, batchContext(ids));
                    for (const target of ['contoso', 'fabrikam']) {
                        expect(await windowCount(h, target)).toBe(targets.filter((t) => t === target).length);
                    }
                    expect(h.invalidMessages.messages.map((m) => [m.messageId, m.reason])).toEqual([
                        ['poison', expectedReason],
                    ]);
                },
            ),
            { numRuns: 120 },
        );
    });
});

/** A value nested `levels` deep, built without recursion. */
function deepValue(levels: number): unknown {
    let value: unknown = { kind: 'joiner' };
    for (let i = 0; i < levels; i++) value = { nested: value };
    return value;
}

/** Every kind of poisoned message a sender can put on the queue, with the reason it is dead-lettered for. */
const POISONS: readonly (readonly [string, () => unknown])[] = [
    ['NESTING_TOO_DEEP', () => deepValue(5000)],
    ['NESTING_TOO_DEEP', () => JSON.parse(`${'['.repeat(17)}${']'.repeat(17)}`) as unknown],
    ['NESTING_TOO_DEEP', () => `${'['.repeat(2000)}${']'.repeat(2000)}`],
    ['NESTING_TOO_DEEP', () => Buffer.from('{"a":'.repeat(600) + '1' + '}'.repeat(600))],
    ['MALFORMED_JSON', () => '{"kind": "joiner",'],
    ['MALFORMED_JSON', () => ''],
    ['NOT_I_JSON', () => '{"kind":"joiner","policy":"Delta","policy":"Initial"}'],
    ['NOT_I_JSON', () => '{"kind":"joiner","id":"\\udead"}'],
    ['NOT_I_JSON', () => ({ kind: 'joiner', id: '\udead' })],
    ['BODY_TOO_LARGE', () => JSON.stringify({ kind: 'joiner', id: 'x'.repeat(5000) })],
    ['BODY_TOO_LARGE', () => ({ kind: 'joiner', id: 'x'.repeat(5000) })],
    ['VALIDATION_FAILED', () => ({ kind: 'hire' })],
    ['VALIDATION_FAILED', () => 42],
    ['VALIDATION_FAILED', () => null],
    ['VALIDATION_FAILED', () => ({ kind: 'joiner', upn: 'a\u202e@contoso.com' })],
    ['UNKNOWN_TARGET', () => ({ kind: 'joiner', target: 'northwind' })],
    ['UNKNOWN_EVENT_TYPE', () => ({ specversion: '1.0', id: '1', source: '/s', type: 'other.type' })],
    [
        'INTERNAL_ERROR',
        () => {
            // A body that throws when read (no check foresaw it): still set aside alone.
            const hostile: Record<string, unknown> = {};
            Object.defineProperty(hostile, 'kind', {
                enumerable: true,
                get: () => {
                    throw new RangeError('hostile getter');
                },
            });
            return hostile;
        },
    ],
];
