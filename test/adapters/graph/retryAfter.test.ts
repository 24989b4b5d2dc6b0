import { describe, expect, it } from 'vitest';

import { retryAfterMs, retryDelayMs } from '../../../src/adapters/graph/retryAfter';

const NOW = Date.UTC(1994, 10, 6, 8, 49, 0);
const POLICY = { firstMs: 1000, maxMs: 600_000 };

/** RFC 9110 §10.2.3: `Retry-After = HTTP-date / delay-seconds`; Graph also sends decimal seconds (`2.128`). */
describe('Retry-After (RFC 9110) as the Graph adapter reads it', () => {
    it('reads delay-seconds, Graph’s decimal seconds and an HTTP-date in each of its three forms', () => {
        expect(retryAfterMs('120', NOW)).toBe(120_000);
        expect(retryAfterMs(' 2.128 ', NOW)).toBe(2128);
        expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(37_000);
        expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(37_000);
        expect(retryAfterMs('Sun Nov  6 08:49:37 1994', NOW)).toBe(37_000);
        expect(retryAfterMs('Sun, 06 Nov 1994 08:48:00 GMT', NOW)).toBe(0);
    });

    it('refuses what is neither: garbage, negative, units, exponents, a date without its zone, absent', () => {
        for (const bad of ['garbage', '-5', '5s', '1e3', '0x10', 'Sun, 06 Nov 1994 08:49:37', '', undefined, null]) {
            expect(retryAfterMs(bad, NOW)).toBeNull();
        }
    });

    it('waits at least the adapter’s own back-off (doubling per retry), at most the cap', () => {
        expect([1, 2, 3].map((n) => retryDelayMs('garbage', n, NOW, POLICY))).toEqual([1000, 2000, 4000]);
        expect(retryDelayMs('0', 1, NOW, POLICY)).toBe(1000);
        expect(retryDelayMs('10', 1, NOW, POLICY)).toBe(10_000);
        expect(retryDelayMs('99999999', 1, NOW, POLICY)).toBe(600_000);
        expect(retryDelayMs(null, 40, NOW, POLICY)).toBe(600_000);
    });
});
