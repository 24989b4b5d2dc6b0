import type { TokenCredential } from '@azure/identity';
import type { ServiceBusMessage } from '@azure/service-bus';
import type Long from 'long';

import { TransientDependencyError } from '../../errors';
import { WAKE_SUBJECT, type WakeMessageBody, wakeMessageId } from '../../ports/wakeMessage';
import type { WakeMessage, WakeScheduler } from '../../ports/wakeScheduler';
import { createServiceBusClient, type ServiceBusSettings } from './serviceBusClient';
import { toServiceBusDependencyError } from './serviceBusErrors';

/**
 * The part of `ServiceBusSender` the scheduler uses; a real sender fits, and tests use a typed in-memory fake
 * (there is no Service Bus emulator without Docker).
 */
export interface WakeMessageSender {
    scheduleMessages(message: ServiceBusMessage, scheduledEnqueueTimeUtc: Date): Promise<Long[]>;
    close(): Promise<void>;
}

/**
 * Wake-ups as Service Bus scheduled messages on the control queue. Nothing is ever cancelled: the engine ignores
 * a wake whose token is stale. Sequence numbers are 64-bit and stay strings end to end.
 */
export class ServiceBusWakeScheduler implements WakeScheduler {
    constructor(private readonly sender: WakeMessageSender) {}

    async schedule(wake: WakeMessage): Promise<string> {
        const message = wakeServiceBusMessage(wake);
        let sequenceNumbers: Long[];
        try {
            sequenceNumbers = await this.sender.scheduleMessages(message, new Date(wake.at));
        } catch (e) {
            throw toServiceBusDependencyError(e, 'Scheduling a wake-up');
        }
        const [sequenceNumber] = sequenceNumbers;
        if (sequenceNumber === undefined) {
            throw new TransientDependencyError('Service Bus: scheduling a wake-up returned no sequence number');
        }
        return sequenceNumber.toString();
    }

    /** Closes the sender (the client is closed by its owner). */
    close(): Promise<void> {
        return this.sender.close();
    }
}

/**
 * The message for a wake-up: JSON body `{ targetId, token }`, a message id derived from the token.
 * @param wake - the wake-up
 */
function wakeServiceBusMessage(wake: WakeMessage): ServiceBusMessage {
    const body: WakeMessageBody = { targetId: wake.targetId, token: wake.token };
    return {
        body,
        contentType: 'application/json',
        messageId: wakeMessageId(body),
        subject: WAKE_SUBJECT,
    };
}

export interface ServiceBusWakeSchedulerOptions {
    /** Used instead of a credential built from the config (share one per process). */
    readonly credential?: TokenCredential;
}

/** The scheduler with the client it owns; `close()` at shutdown. */
export interface ServiceBusWakes {
    readonly scheduler: ServiceBusWakeScheduler;
    close(): Promise<void>;
}

/**
 * Builds the wake scheduler from the config: identity-based (`ServiceBusConnection__fullyQualifiedNamespace`,
 * managed identity `ServiceBusConnection__clientId` when set, else `DefaultAzureCredential`), sending to the
 * control queue.
 * @param config - the loaded config
 * @param options - optional credential override
 */
export function createServiceBusWakeScheduler(
    config: { readonly serviceBus: ServiceBusSettings; readonly controlQueueName: string },
    options: ServiceBusWakeSchedulerOptions = {},
): ServiceBusWakes {
    const client = createServiceBusClient(config, 'to schedule wake-ups on Service Bus', options.credential);
    const scheduler = new ServiceBusWakeScheduler(client.createSender(config.controlQueueName));
    return {
        scheduler,
        async close() {
            await scheduler.close();
            await client.close();
        },
    };
}
