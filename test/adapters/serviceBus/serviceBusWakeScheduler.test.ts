import { ServiceBusError, type ServiceBusMessage } from '@azure/service-bus';
import Long from 'long';
import { describe, expect, it } from 'vitest';

import {
    createServiceBusWakeScheduler,
    ServiceBusWakeScheduler,
    type WakeMessageSender,
} from '../../../src/adapters/serviceBus/serviceBusWakeScheduler';
import { isConfigError, isPermanentDependencyError, isTransientDependencyError } from '../../../src/errors';
import { parseWakeMessage, WAKE_SUBJECT, wakeMessageId } from '../../../src/ports/wakeMessage';

/** Records what would be scheduled and answers with Service Bus-like 64-bit sequence numbers. */
class FakeSender implements WakeMessageSender {
    readonly scheduled: { message: ServiceBusMessage; at: Date; sequenceNumber: Long }[] = [];
    closed = false;
    failure: Error | null = null;

    constructor(private next: Long = Long.fromString('9007199254740993')) {}

    scheduleMessages(message: ServiceBusMessage, scheduledEnqueueTimeUtc: Date): Promise<Long[]> {
        if (this.failure !== null) return Promise.reject(this.failure);
        const sequenceNumber = this.next;
        this.next = this.next.add(1);
        this.scheduled.push({ message, at: scheduledEnqueueTimeUtc, sequenceNumber });
        return Promise.resolve([sequenceNumber]);
    }

    close(): Promise<void> {
        this.closed = true;
        return Promise.resolve();
    }
}

const AT = Date.UTC(2026, 0, 5, 8, 0, 20);

describe('ServiceBusWakeScheduler', () => {
    it('schedules a JSON wake message at the wake time and returns the exact 64-bit sequence number', async () => {
        // 2^53 + 1 cannot be represented as a Number; it must come back digit for digit.
        const sender = new FakeSender(Long.fromString('9007199254740993'));
        const scheduler = new ServiceBusWakeScheduler(sender);
        const first = await scheduler.schedule({ targetId: 'contoso', token: 'contoso:7', at: AT });
        const second = await scheduler.schedule({ targetId: 'contoso', token: 'contoso:8', at: AT + 1 });
        expect(first).toBe('9007199254740993');
        expect(second).toBe('9007199254740994');
        expect(sender.scheduled[0]?.at.getTime()).toBe(AT);
        expect(sender.scheduled[0]?.message).toEqual({
            body: { targetId: 'contoso', token: 'contoso:7' },
            contentType: 'application/json',
            messageId: 'wake|contoso:7',
            subject: WAKE_SUBJECT,
        });
    });

    it('keeps the largest signed 64-bit sequence number intact', async () => {
        const scheduler = new ServiceBusWakeScheduler(new FakeSender(Long.MAX_VALUE));
        expect(await scheduler.schedule({ targetId: 't', token: 't:1', at: AT })).toBe('9223372036854775807');
    });

    it('gives a retried schedule the same message id, so duplicate detection drops it', async () => {
        const sender = new FakeSender();
        const scheduler = new ServiceBusWakeScheduler(sender);
        await scheduler.schedule({ targetId: 'contoso', token: 'contoso:7', at: AT });
        await scheduler.schedule({ targetId: 'contoso', token: 'contoso:7', at: AT });
        await scheduler.schedule({ targetId: 'fabrikam', token: 'fabrikam:7', at: AT });
        const ids = sender.scheduled.map((s) => s.message.messageId);
        expect(ids[0]).toBe(ids[1]);
        expect(ids[2]).not.toBe(ids[0]);
    });

    it('hashes message ids that would be too long or could collide across targets', () => {
        const long = wakeMessageId({ targetId: 'x'.repeat(200), token: `${'x'.repeat(200)}:1` });
        expect(long.length).toBeLessThanOrEqual(128);
        expect(long).toMatch(/^wake\|sha256:[0-9a-f]{64}$/);
        const a = wakeMessageId({ targetId: 'a', token: 'shared' });
        const b = wakeMessageId({ targetId: 'b', token: 'shared' });
        expect(a).not.toBe(b);
    });

    it.each([
        ['ServiceBusy', 'transient'],
        ['ServiceTimeout', 'transient'],
        ['ServiceCommunicationProblem', 'transient'],
        ['QuotaExceeded', 'transient'],
        ['GeneralError', 'transient'],
        ['MessagingEntityNotFound', 'permanent'],
        ['MessagingEntityDisabled', 'permanent'],
        ['UnauthorizedAccess', 'permanent'],
        ['MessageSizeExceeded', 'permanent'],
    ] as const)('maps ServiceBusError %s to a %s dependency error', async (code, kind) => {
        const sender = new FakeSender();
        sender.failure = new ServiceBusError('simulated', code);
        const scheduling = new ServiceBusWakeScheduler(sender).schedule({ targetId: 't', token: 't:1', at: AT });
        await expect(scheduling).rejects.toSatisfy(
            kind === 'transient' ? isTransientDependencyError : isPermanentDependencyError,
        );
        await expect(scheduling).rejects.toThrow(code);
    });

    it('treats network failures and unknown errors as transient (reconcile repairs a lost wake)', async () => {
        const sender = new FakeSender();
        sender.failure = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        const scheduler = new ServiceBusWakeScheduler(sender);
        await expect(scheduler.schedule({ targetId: 't', token: 't:1', at: AT })).rejects.toSatisfy(
            isTransientDependencyError,
        );
        sender.failure = new Error('something unexpected');
        await expect(scheduler.schedule({ targetId: 't', token: 't:1', at: AT })).rejects.toSatisfy(
            isTransientDependencyError,
        );
    });

    it('closes its sender', async () => {
        const sender = new FakeSender();
        await new ServiceBusWakeScheduler(sender).close();
        expect(sender.closed).toBe(true);
    });
});

describe('createServiceBusWakeScheduler', () => {
    it('names the missing namespace setting', () => {
        let caught: unknown;
        try {
            createServiceBusWakeScheduler({
                serviceBus: { fullyQualifiedNamespace: null, clientId: null },
                controlQueueName: 'control',
            });
        } catch (e) {
            caught = e;
        }
        expect(isConfigError(caught)).toBe(true);
        expect(String(caught)).toMatch(/ServiceBusConnection__fullyQualifiedNamespace/);
    });

    it('builds a scheduler for the control queue without connecting', async () => {
        const credential = { getToken: () => Promise.resolve(null) };
        const wakes = createServiceBusWakeScheduler(
            {
                serviceBus: { fullyQualifiedNamespace: 'sb-test.servicebus.windows.net', clientId: null },
                controlQueueName: 'control',
            },
            { credential },
        );
        expect(wakes.scheduler).toBeInstanceOf(ServiceBusWakeScheduler);
        await wakes.close();
    });
});

describe('parseWakeMessage', () => {
    it('accepts a parsed JSON body, a JSON string and JSON bytes', () => {
        const wake = { targetId: 'contoso', token: 'contoso:3' };
        expect(parseWakeMessage(wake)).toEqual({ kind: 'wake', wake });
        expect(parseWakeMessage(JSON.stringify(wake))).toEqual({ kind: 'wake', wake });
        expect(parseWakeMessage(Buffer.from(JSON.stringify(wake)))).toEqual({ kind: 'wake', wake });
    });

    it('ignores extra fields', () => {
        expect(parseWakeMessage({ targetId: 't', token: 't:1', at: 5 })).toEqual({
            kind: 'wake',
            wake: { targetId: 't', token: 't:1' },
        });
    });

    it.each([
        ['not JSON', 'not json {', 'WakeBodyNotJson'],
        ['a number', 42, 'WakeBodyInvalid'],
        ['null', null, 'WakeBodyInvalid'],
        ['a missing token', { targetId: 'contoso' }, 'WakeBodyInvalid'],
        ['an empty target', { targetId: '', token: 'x' }, 'WakeBodyInvalid'],
        ['a numeric token', { targetId: 'contoso', token: 7 }, 'WakeBodyInvalid'],
    ])('dead-letters %s with a reason', (_label, body, reason) => {
        const parsed = parseWakeMessage(body);
        expect(parsed.kind).toBe('invalid');
        if (parsed.kind !== 'invalid') return;
        expect(parsed.deadLetterReason).toBe(reason);
        expect(parsed.deadLetterErrorDescription.length).toBeGreaterThan(0);
    });

    it('never echoes the body into the dead-letter description', () => {
        const parsed = parseWakeMessage({ targetId: 'secret-value-123', token: { nested: 'secret-value-456' } });
        expect(parsed.kind).toBe('invalid');
        expect(JSON.stringify(parsed)).not.toContain('secret-value');
    });
});
