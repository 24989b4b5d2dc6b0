import { randomUUID } from 'node:crypto';

import { EventQueue } from '../adapters/simulatedConnect/eventQueue';
import type { Logger } from '../ports/logger';
import type { WakeMessage, WakeScheduler } from '../ports/wakeScheduler';
import type { ScaledClock } from './scaledClock';

/** A message on a stand-in queue, with what the Service Bus trigger metadata would say about it. */
export interface LocalMessage {
    readonly body: unknown;
    readonly messageId: string;
    readonly sequenceNumber: number;
    readonly enqueuedAt: number;
    deliveryCount: number;
}

/** Receives due messages: one per call (`cardinality: 'one'`) or a batch (`'many'`). Throwing abandons them. */
export type QueueConsumer = (messages: readonly LocalMessage[]) => Promise<void>;

export interface LocalQueueOptions {
    readonly clock: ScaledClock;
    readonly log: Logger;
    /** host.json `extensions.serviceBus.maxMessageBatchSize`; 1 for `cardinality: 'one'`. */
    readonly maxBatch: number;
    /** After this many deliveries a message is dead-lettered, as Service Bus does (queue default 10). */
    readonly maxDeliveryCount?: number;
}

/** setTimeout's limit; later deliveries simply re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Service Bus redelivers an abandoned message at once; a short pause keeps a failing handler from spinning. */
const REDELIVERY_PAUSE_MS = 1_000;

/**
 * An in-process stand-in for a Service Bus queue: scheduled delivery (a message is invisible until its time),
 * at-least-once delivery, redelivery with a growing delivery count when the consumer throws, and a dead-letter
 * list after `maxDeliveryCount`. Messages are delivered one invocation at a time, in due order.
 */
export class LocalQueue {
    private readonly due = new EventQueue<LocalMessage>();
    readonly deadLettered: LocalMessage[] = [];
    private consumer: QueueConsumer | null = null;
    private timer: NodeJS.Timeout | null = null;
    private pumping = false;
    private closed = false;
    private sequence = 0;
    delivered = 0;

    constructor(
        readonly name: string,
        private readonly options: LocalQueueOptions,
    ) {}

    /**
     * Puts a message on the queue.
     * @param body - the message body (JSON bodies are handed to triggers parsed, as the host does)
     * @param scheduledAt - clock time of delivery; now when absent
     * @returns the sequence number
     */
    send(body: unknown, scheduledAt?: number, messageId: string = randomUUID()): number {
        const now = this.options.clock.now();
        const message: LocalMessage = {
            body,
            messageId,
            sequenceNumber: ++this.sequence,
            enqueuedAt: now,
            deliveryCount: 0,
        };
        this.due.push(Math.max(now, scheduledAt ?? now), message);
        this.arm();
        return message.sequenceNumber;
    }

    subscribe(consumer: QueueConsumer): void {
        this.consumer = consumer;
        this.arm();
    }

    get pending(): number {
        return this.due.size;
    }

    close(): void {
        this.closed = true;
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
    }

    private arm(): void {
        if (this.closed || this.pumping || this.consumer === null) return;
        const at = this.due.peekAt();
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
        if (at === null) return;
        this.timer = setTimeout(() => void this.pump(), Math.min(MAX_TIMER_MS, this.options.clock.realDelay(at)));
    }

    private async pump(): Promise<void> {
        this.timer = null;
        const consumer = this.consumer;
        if (this.pumping || consumer === null) return;
        this.pumping = true;
        try {
            for (;;) {
                if (this.closed) return;
                const batch = this.takeDue();
                if (batch.length === 0) break;
                await this.deliver(consumer, batch);
            }
        } finally {
            this.pumping = false;
            this.arm();
        }
    }

    private takeDue(): LocalMessage[] {
        const now = this.options.clock.now();
        const batch: LocalMessage[] = [];
        while (batch.length < this.options.maxBatch) {
            const next = this.due.popDue(now);
            if (next === null) break;
            batch.push(next.item);
        }
        return batch;
    }

    private async deliver(consumer: QueueConsumer, batch: LocalMessage[]): Promise<void> {
        for (const message of batch) message.deliveryCount++;
        try {
            await consumer(batch);
            this.delivered += batch.length;
        } catch (e) {
            const reason = e instanceof Error ? e.message : 'handler failed';
            const max = this.options.maxDeliveryCount ?? 10;
            const retryAt = this.options.clock.now() + REDELIVERY_PAUSE_MS * this.options.clock.scale;
            for (const message of batch) {
                if (message.deliveryCount >= max) {
                    this.deadLettered.push(message);
                    this.options.log.error(`[${this.name}] dead-lettered message ${message.messageId}: ${reason}`);
                } else {
                    this.due.push(retryAt, message);
                }
            }
            this.options.log.warn(
                `[${this.name}] ${batch.length} message(s) abandoned, will be redelivered: ${reason}`,
            );
        }
    }
}

/**
 * The engine's wake-ups as scheduled messages on the stand-in control queue, exactly as the Service Bus
 * adapter sends them to the real one.
 * @param queue - the control queue
 */
export function queueWakeScheduler(queue: LocalQueue): WakeScheduler {
    return {
        schedule(wake: WakeMessage): Promise<string> {
            const body = { targetId: wake.targetId, token: wake.token };
            return Promise.resolve(String(queue.send(body, wake.at, `${wake.targetId}:${wake.token}`)));
        },
    };
}
