import type { TokenCredential } from '@azure/identity';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';

import { ensureError } from '../../errors';
import type { InvalidMessage, InvalidMessageSink } from '../../ports/invalidMessageSink';
import type { Logger } from '../../ports/logger';
import { createServiceBusClient, type ServiceBusSettings } from './serviceBusClient';
import { toServiceBusDependencyError } from './serviceBusErrors';

/** Application properties that carry the reason until the message is dead-lettered (Service Bus's own names). */
export const REASON_PROPERTY = 'DeadLetterReason';
export const DESCRIPTION_PROPERTY = 'DeadLetterErrorDescription';

/** The parts of a sender and a peek-lock receiver the sink uses; the SDK's fit, tests pass typed fakes. */
export interface QuarantineSender {
    sendMessages(message: ServiceBusMessage): Promise<void>;
}
/** What the sink reads from a quarantined message; `ServiceBusReceivedMessage` fits. */
export interface QuarantinedMessage {
    readonly applicationProperties?: Readonly<Record<string, unknown>>;
}
export interface QuarantineReceiver<M extends QuarantinedMessage = ServiceBusReceivedMessage> {
    receiveMessages(maxMessageCount: number, options: { maxWaitTimeInMs: number }): Promise<M[]>;
    deadLetterMessage(
        message: M,
        options: { deadLetterReason: string; deadLetterErrorDescription: string },
    ): Promise<void>;
}

/**
 * Dead-letters invalid change messages with a reason and a description. The Node v4 trigger cannot settle the
 * message it was given (that needs the preview `sdkBinding` package), so the sink takes a detour that uses only
 * documented SDK calls: it sends a copy to a quarantine queue (INVALID_CHANGE_QUEUE_NAME) with the reason in
 * application properties, then receives from that queue, which nothing else reads, and dead-letters what it
 * finds with `deadLetterMessage(message, { deadLetterReason, deadLetterErrorDescription })`. The trigger then
 * completes the original. The send must succeed (else the trigger throws and the batch is redelivered); the
 * move to the dead-letter queue is best effort: a copy left in the quarantine queue keeps its reason and is
 * moved by the next call.
 */
export class ServiceBusInvalidMessageSink<
    M extends QuarantinedMessage = ServiceBusReceivedMessage,
> implements InvalidMessageSink {
    constructor(
        private readonly sender: QuarantineSender,
        private readonly receiver: QuarantineReceiver<M>,
        private readonly log: Logger,
    ) {}

    async deadLetter(message: InvalidMessage): Promise<void> {
        try {
            await this.sender.sendMessages({
                body: message.body,
                contentType: 'application/json',
                ...(message.messageId === null ? {} : { messageId: message.messageId }),
                subject: 'invalid-change',
                applicationProperties: {
                    [REASON_PROPERTY]: message.reason,
                    [DESCRIPTION_PROPERTY]: message.description,
                    ...(message.deliveryCount === null ? {} : { originalDeliveryCount: message.deliveryCount }),
                },
            });
        } catch (e) {
            throw toServiceBusDependencyError(e, 'Quarantining an invalid change message');
        }
        try {
            await this.moveQuarantined();
        } catch (e) {
            this.log.warn(`Invalid change messages stay in the quarantine queue for now: ${ensureError(e).message}`);
        }
    }

    /** Dead-letters every message waiting in the quarantine queue, with the reason it carries. */
    async moveQuarantined(): Promise<number> {
        let moved = 0;
        for (let round = 0; round < 10; round++) {
            const received = await this.receiver.receiveMessages(20, { maxWaitTimeInMs: 1_000 });
            if (received.length === 0) break;
            for (const m of received) {
                const reason = m.applicationProperties?.[REASON_PROPERTY];
                const description = m.applicationProperties?.[DESCRIPTION_PROPERTY];
                await this.receiver.deadLetterMessage(m, {
                    deadLetterReason: typeof reason === 'string' ? reason : 'INVALID_MESSAGE',
                    deadLetterErrorDescription: typeof description === 'string' ? description : 'No description',
                });
                moved++;
            }
        }
        return moved;
    }
}

export interface ServiceBusInvalidMessageSinkOptions {
    readonly credential?: TokenCredential;
    readonly log: Logger;
}

/**
 * Builds the sink from the config (identity-based connection, like the wake scheduler).
 * @param config - the loaded config
 * @param options - logger, credential override
 */
export function createServiceBusInvalidMessageSink(
    config: { readonly serviceBus: ServiceBusSettings; readonly invalidChangeQueueName: string },
    options: ServiceBusInvalidMessageSinkOptions,
): ServiceBusInvalidMessageSink {
    const client = createServiceBusClient(config, 'to dead-letter messages', options.credential);
    return new ServiceBusInvalidMessageSink(
        client.createSender(config.invalidChangeQueueName),
        client.createReceiver(config.invalidChangeQueueName, { receiveMode: 'peekLock' }),
        options.log,
    );
}
