/** A seeded pseudo-random source, so simulations and benchmarks replay exactly. */
export interface Random {
    /** A number in [0, 1). */
    next(): number;
    /** An integer in [0, bound). */
    int(bound: number): number;
    /** True with probability `p`. */
    chance(p: number): boolean;
}

/**
 * Mulberry32: tiny, fast and good enough for simulation (not for anything secret).
 * @param seed - any 32-bit integer
 */
export function seededRandom(seed: number): Random {
    let a = seed >>> 0;
    const next = (): number => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
        next,
        int: (bound) => Math.floor(next() * bound),
        chance: (p) => p > 0 && next() < p,
    };
}
