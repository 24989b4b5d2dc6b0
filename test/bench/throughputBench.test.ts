import { describe, expect, it } from 'vitest';

import { measureIntake } from '../../bench/throughput';

/** The throughput bench's intake part, small: every accepted change is counted once. No timings asserted. */
describe('throughput bench (reduced)', () => {
    it.each([1, 4])(
        'accepts every single-change request through the POST handler with %i worker(s)',
        async (workers) => {
            const figure = await measureIntake(null, workers, 300, 8);
            expect(figure).toMatchObject({ storage: 'memory', workers, requests: 300, counted: 300, failures: 0 });
        },
    );
});
