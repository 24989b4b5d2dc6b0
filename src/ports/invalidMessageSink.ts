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
