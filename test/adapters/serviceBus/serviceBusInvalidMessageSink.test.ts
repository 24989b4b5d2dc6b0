import type { ServiceBusMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';

import {
    type QuarantinedMessage,
    type QuarantineReceiver,
    type QuarantineSender,
    ServiceBusInvalidMessageSink,
} from '../../../src/adapters/serviceBus/serviceBusInvalidMessageSink';
import { isTransientDependencyError } from '../../../src/errors';
import { silentLogger } from '../../../src/ports/logger';

interface FakeMessage extends QuarantinedMessage {
    readonly body: unknown;
}

/** A quarantine queue in memory: what was sent can be received; dead-lettering moves it to `deadLettered`. */
class FakeQuarantineQueue implements QuarantineSender, QuarantineReceiver<FakeMessage> {
    readonly active: FakeMessage[] = [];
    readonly deadLettered: { message: FakeMessage; reason: string; description: string }[] = [];
    failSends = 0;
    failReceives = 0;

    sendMessages(message: ServiceBusMessage): Promise<void> {
        if (this.failSends > 0) {
            this.failSends--;
            return Promise.reject(Object.assign(new Error('busy'), { code: 'ServiceBusy' }));
        }
        this.active.push({ body: message.body, applicationProperties: { ...message.applicationProperties } });
        return Promise.resolve();
    }

    receiveMessages(max: number): Promise<FakeMessage[]> {
        if (this.failReceives > 0) {
            this.failReceives--;
            return Promise.reject(new Error('receive link detached'));
        }
        return Promise.resolve(this.active.splice(0, max));
    }

    deadLetterMessage(message: FakeMessage, options: { deadLetterReason: string; deadLetterErrorDescription: string }) {
        this.deadLettered.push({
            message,
            reason: options.deadLetterReason,
            description: options.deadLetterErrorDescription,
        });
        return Promise.resolve();
    }
}

const silent = silentLogger;
const invalid = {
    messageId: 'm1',
    body: '{"kind":"hire"}',
    reason: 'VALIDATION_FAILED',
    description: 'The body does not match the schema | /kind: Invalid option',
    deliveryCount: 1,
};

describe('ServiceBusInvalidMessageSink', () => {
    it('quarantines the message and dead-letters it with the problem code as reason and the field errors as description', async () => {
        const queue = new FakeQuarantineQueue();
        await new ServiceBusInvalidMessageSink(queue, queue, silent).deadLetter(invalid);
        expect(queue.active).toHaveLength(0);
        expect(queue.deadLettered).toEqual([
            {
                message: expect.objectContaining({ body: invalid.body }),
                reason: 'VALIDATION_FAILED',
                description: invalid.description,
            },
        ]);
    });

    it('throws a transient error when the copy cannot be sent, so the trigger has the batch redelivered', async () => {
        const queue = new FakeQuarantineQueue();
        queue.failSends = 1;
        const error: unknown = await new ServiceBusInvalidMessageSink(queue, queue, silent)
            .deadLetter(invalid)
            .catch((e: unknown) => e);
        expect(isTransientDependencyError(error)).toBe(true);
        expect(queue.active).toHaveLength(0);
    });

    it('keeps a quarantined copy with its reason when the move fails, and moves it on the next call', async () => {
        const queue = new FakeQuarantineQueue();
        const sink = new ServiceBusInvalidMessageSink(queue, queue, silent);
        queue.failReceives = 1;
        await sink.deadLetter(invalid);
        expect(queue.active).toHaveLength(1);
        await sink.deadLetter({ ...invalid, messageId: 'm2', reason: 'MALFORMED_JSON', description: 'not JSON' });
        expect(queue.deadLettered.map((d) => d.reason)).toEqual(['VALIDATION_FAILED', 'MALFORMED_JSON']);
    });
});
