import type { WakeMessage, WakeScheduler } from '../../ports/wakeScheduler';

/** A scheduled wake-up held in memory, with the sequence number Service Bus would give it. */
export interface ScheduledWake extends WakeMessage {
    readonly sequenceNumber: string;
}

/**
 * Wake-ups in memory. Nothing is delivered by itself: the owner takes due messages with {@link takeDue}
 * (tests, simulations) or the local host's stand-in queue delivers them on time.
 */
export class MemoryWakeScheduler implements WakeScheduler {
    private readonly queue: ScheduledWake[] = [];
    private sequence = 0;
    scheduledCount = 0;

    schedule(wake: WakeMessage): Promise<string> {
        const sequenceNumber = String(++this.sequence);
        this.queue.push({ ...wake, sequenceNumber });
        this.scheduledCount++;
        return Promise.resolve(sequenceNumber);
    }

    /** Removes and returns the messages due at `now`, earliest first. */
    takeDue(now: number): ScheduledWake[] {
        const due = this.queue.filter((w) => w.at <= now).sort((a, b) => a.at - b.at);
        for (const w of due) this.queue.splice(this.queue.indexOf(w), 1);
        return due;
    }

    /** The earliest pending delivery time, or null. */
    nextAt(): number | null {
        return this.queue.reduce<number | null>((min, w) => (min === null || w.at < min ? w.at : min), null);
    }

    pending(): readonly ScheduledWake[] {
        return [...this.queue];
    }

    /** Drops every pending message (tests of lost wake-ups). */
    clear(): void {
        this.queue.length = 0;
    }
}
