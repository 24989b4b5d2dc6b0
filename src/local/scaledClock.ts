import type { Clock } from '../ports/clock';

/**
 * A clock that runs `scale` times faster than the wall clock, for demos: with scale 20 a 20-second quiet
 * period passes in one second. Scale 1 is the system clock. Every timer of the local host converts with
 * {@link ScaledClock.realDelay}, so the whole host agrees on the accelerated time.
 */
export class ScaledClock implements Clock {
    private readonly origin = Date.now();

    constructor(readonly scale: number) {
        if (!(scale >= 1)) throw new Error('The time scale must be at least 1');
    }

    now(): number {
        return this.origin + Math.round((Date.now() - this.origin) * this.scale);
    }

    /**
     * Real milliseconds until clock time `at`.
     * @param at - clock time
     */
    realDelay(at: number): number {
        return Math.max(0, Math.ceil((at - this.now()) / this.scale));
    }
}
