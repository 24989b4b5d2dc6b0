import { describe, expect, it } from 'vitest';

import {
    afterAnswer,
    chunkObjects,
    isDueForLookup,
    lookupRetryDelayMs,
    maxFailedLookupsPerRound,
    NOT_LOOKED_UP,
    type ObjectProgress,
    OBJECTS_PER_CHUNK,
    tallyRound,
} from '../../src/domain/confirmationProgress';
import { ROUND } from '../../src/domain/entraConfirmation';

const POLICY = { firstRetryMs: 30_000, maxRetryMs: 300_000, deadlineMs: 900_000 };

describe('per-object lookup progress', () => {
    it('found is final: no later answer changes it, and it is never due again', () => {
        const found = afterAnswer(NOT_LOOKED_UP, { kind: 'found', synced: true }, ROUND.afterCycle, 5, POLICY);
        expect(found).toEqual({ s: 'found', at: 5 });
        expect(afterAnswer(found, { kind: 'absent' }, ROUND.afterExtraRun, 9, POLICY)).toBe(found);
        expect(isDueForLookup(found, ROUND.afterExtraRun, 10)).toBe(false);
    });

    it('an answer (missing, or a cloud object) settles the round; the next round asks again', () => {
        const cloud = afterAnswer(NOT_LOOKED_UP, { kind: 'found', synced: false }, ROUND.afterCycle, 5, POLICY);
        expect(cloud).toMatchObject({ s: 'open', answeredRound: 0, cloudObject: true });
        expect(isDueForLookup(cloud, ROUND.afterCycle, 5)).toBe(false);
        expect(isDueForLookup(cloud, ROUND.beforeExtraRun, 5)).toBe(true);
    });

    it('a failed lookup backs the object off on its own, doubling to 5 minutes, and gives up at the deadline with the reason', () => {
        let p: ObjectProgress = NOT_LOOKED_UP;
        let now = 0;
        const attempts: number[] = [];
        while (p.s === 'open') {
            attempts.push(now);
            p = afterAnswer(p, { kind: 'failed', failure: 'badRequest', retryAt: null }, ROUND.afterCycle, now, POLICY);
            if (p.s === 'open') {
                expect(isDueForLookup(p, ROUND.afterCycle, p.nextAt - 1)).toBe(false);
                now = p.nextAt;
            }
        }
        expect(attempts).toEqual([0, 30_000, 90_000, 210_000, 450_000, 750_000, 1_050_000]);
        expect(p).toEqual({ s: 'gaveUp', at: 1_050_000, failure: 'badRequest' });
        expect(attempts).toHaveLength(maxFailedLookupsPerRound(POLICY));
    });

    it('the directory’s own Retry-After is honoured when longer than the back-off; a deferral is not a failure', () => {
        const failed = afterAnswer(
            NOT_LOOKED_UP,
            { kind: 'failed', failure: 'throttled', retryAt: 100_000 },
            ROUND.afterCycle,
            0,
            POLICY,
        );
        expect(failed).toMatchObject({ s: 'open', failures: 1, nextAt: 100_000 });
        const deferred = afterAnswer(NOT_LOOKED_UP, { kind: 'deferred', until: 60_000 }, ROUND.afterCycle, 0, POLICY);
        expect(deferred).toEqual({ ...NOT_LOOKED_UP, nextAt: 60_000 });
        expect(afterAnswer(NOT_LOOKED_UP, { kind: 'notAsked' }, ROUND.afterCycle, 0, POLICY)).toBe(NOT_LOOKED_UP);
    });

    it('an answer after failures resets the back-off', () => {
        const failed = afterAnswer(
            NOT_LOOKED_UP,
            { kind: 'failed', failure: 'unavailable', retryAt: null },
            ROUND.afterCycle,
            0,
            POLICY,
        );
        expect(afterAnswer(failed, { kind: 'absent' }, ROUND.afterCycle, 30_000, POLICY)).toEqual({
            ...NOT_LOOKED_UP,
            answeredRound: 0,
        });
    });

    it('back-off is capped', () => {
        expect([1, 2, 3, 4, 5, 6, 50].map((f) => lookupRetryDelayMs(f, POLICY))).toEqual([
            30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000,
        ]);
    });

    it('chunks keep every object, in order, and the tally counts a round', () => {
        const refs = Array.from({ length: OBJECTS_PER_CHUNK + 3 }, (_, i) => ({
            by: 'userPrincipalName' as const,
            value: `u${i}@contoso.com`,
        }));
        const chunks = chunkObjects(refs);
        expect(chunks.map((c) => c.refs.length)).toEqual([OBJECTS_PER_CHUNK, 3]);
        const [first, second] = chunks;
        if (first === undefined || second === undefined) throw new Error('two chunks');
        const progress: ObjectProgress[] = [
            { s: 'found', at: 1 },
            { ...NOT_LOOKED_UP, answeredRound: 0, cloudObject: true },
            { s: 'gaveUp', at: 2, failure: 'forbidden' },
        ];
        const tally = tallyRound([first, { ...second, progress }], ROUND.afterCycle);
        expect(tally).toEqual({
            found: 1,
            missing: 1,
            cloudObject: true,
            gaveUp: 1,
            lastFailure: 'forbidden',
            awaiting: OBJECTS_PER_CHUNK,
            nextDueAt: 0,
        });
    });
});
