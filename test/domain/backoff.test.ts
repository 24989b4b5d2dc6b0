import { describe, expect, it } from 'vitest';

import { backoffDelay, jobCreateBackoff, jobPollBackoff, SAVE_CONFLICT_BACKOFF } from '../../src/domain/backoff';
import { DEFAULT_TIMING } from '../../src/domain/timing';

describe('backoffDelay: the one back-off formula', () => {
    it('keeps the base for the flat steps, then doubles, never above the cap', () => {
        const b = { baseMs: 10, maxMs: 100, flatSteps: 2 };
        expect([1, 2, 3, 4, 5, 6].map((step) => backoffDelay(step, b))).toEqual([10, 10, 20, 40, 80, 100]);
        expect(backoffDelay(10_000, b)).toBe(100);
    });

    it('reads a job at the base interval for three readings, then backs off to the cap', () => {
        const delays = [1, 2, 3, 4, 5, 6].map((step) => backoffDelay(step, jobPollBackoff(DEFAULT_TIMING)));
        expect(delays).toEqual([15_000, 15_000, 15_000, 30_000, 60_000, 60_000]);
    });

    it('retries a failed create at the base interval, then doubling; a lost ETag race within milliseconds', () => {
        expect([1, 2, 3].map((step) => backoffDelay(step, jobCreateBackoff(DEFAULT_TIMING)))).toEqual([
            15_000, 30_000, 60_000,
        ]);
        expect([1, 2, 8, 9].map((step) => backoffDelay(step, SAVE_CONFLICT_BACKOFF))).toEqual([2, 4, 200, 200]);
    });
});
