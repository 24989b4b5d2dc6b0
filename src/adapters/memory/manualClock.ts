import type { Clock } from '../../ports/clock';

/** A clock that only moves when told; tests, simulations and benchmarks use it instead of sleeping. */
export class ManualClock implements Clock {
    constructor(private current = Date.UTC(2026, 0, 5, 8, 0, 0)) {}

    now(): number {
        return this.current;
    }

    advance(ms: number): void {
        this.current += ms;
    }

    set(at: number): void {
        this.current = Math.max(this.current, at);
    }
}
