/** A queue message that can never be processed, with why. */
export interface InvalidMessage {
    readonly messageId: string | null;
    /** The body as received (UTF-8 text); kept only in the dead-letter queue, never logged. */
    readonly body: string;
    /** The problem code, e.g. `VALIDATION_FAILED`; becomes the dead-letter reason. */
    readonly reason: string;
    /** What is wrong and where (field pointers), without payload values; becomes the dead-letter description. */
    readonly description: string;
    readonly deliveryCount: number | null;
}

/**
 * Where permanently invalid queue messages go so that they are dead-lettered with a reason and a description
 * instead of being retried. Throws (transiently) when it could not take the message: the trigger then throws
 * and the batch is redelivered.
 */
export interface InvalidMessageSink {
    deadLetter(message: InvalidMessage): Promise<void>;
}

/** Keeps invalid messages in memory (tests, local runs). */
export class MemoryInvalidMessageSink implements InvalidMessageSink {
    readonly messages: InvalidMessage[] = [];
    private failures = 0;

    /** The next `count` calls fail, as a Service Bus outage would. */
    failNext(count: number): void {
        this.failures += count;
    }

    deadLetter(message: InvalidMessage): Promise<void> {
        if (this.failures > 0) {
            this.failures--;
            return Promise.reject(new Error('Simulated Service Bus outage'));
        }
        this.messages.push(message);
        return Promise.resolve();
    }
}
