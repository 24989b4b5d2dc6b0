import type { InvalidMessage, InvalidMessageSink } from '../../ports/invalidMessageSink';

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
