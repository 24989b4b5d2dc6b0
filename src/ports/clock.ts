/** The only source of time for the engine and the coordinator. */
export interface Clock {
    /** Epoch milliseconds. */
    now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
