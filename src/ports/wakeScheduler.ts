/** A wake-up for one target, delivered at `at` to the control queue. */
export interface WakeMessage {
    readonly targetId: string;
    readonly token: string;
    readonly at: number;
}

/**
 * Schedules wake-ups. Delivery is at-least-once and may be late; the engine ignores stale tokens, so nothing
 * ever needs to be cancelled.
 */
export interface WakeScheduler {
    /**
     * @returns the transport's id for the scheduled message (Service Bus sequence number, as a string)
     */
    schedule(wake: WakeMessage): Promise<string>;
}
