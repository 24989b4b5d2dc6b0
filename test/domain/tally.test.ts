import { describe, expect, it } from 'vitest';

import { addTally, subtractTally, tallyOf } from '../../src/domain/tally';
import { tally } from '../support/targetStateFixtures';

describe('tally: what a set of changes adds up to', () => {
    it('counts one request as one request, urgent from its arrival', () => {
        const t = tallyOf({ policy: 'Delta', changeCount: 3, urgentCount: 1, kinds: { joiner: 1, group: 2 } }, 500);
        expect(t).toEqual({
            policy: 'Delta',
            changeCount: 3,
            urgentCount: 1,
            requestCount: 1,
            kinds: { joiner: 1, group: 2 },
            firstUrgentAt: 500,
        });
        expect(tallyOf({ policy: 'Delta', changeCount: 1, urgentCount: 0, kinds: {} }, 500).firstUrgentAt).toBeNull();
    });

    it('adds: Initial wins, counts and kinds sum (zero kinds left out), the first urgent change is the earliest', () => {
        const a = tally({ changeCount: 1, requestCount: 1, kinds: { joiner: 1 }, firstUrgentAt: 900 });
        const b = tally({
            policy: 'Initial',
            changeCount: 5,
            requestCount: 2,
            kinds: { joiner: 2, group: 3, mover: 0 },
        });
        expect(addTally(a, b)).toEqual({
            policy: 'Initial',
            changeCount: 6,
            urgentCount: 0,
            requestCount: 3,
            kinds: { joiner: 3, group: 3 },
            firstUrgentAt: 900,
        });
        expect(addTally(b, { ...a, firstUrgentAt: 100 }).firstUrgentAt).toBe(100);
        expect(a.kinds).toEqual({ joiner: 1 });
    });

    it('subtracts what was taken out, keeping the policy and first urgent change of the whole', () => {
        const whole = tally({
            policy: 'Initial',
            changeCount: 6,
            requestCount: 3,
            kinds: { joiner: 3, group: 3 },
            firstUrgentAt: 9,
        });
        const part = tally({ changeCount: 3, requestCount: 1, kinds: { group: 3 } });
        expect(subtractTally(whole, part)).toEqual({ ...whole, changeCount: 3, requestCount: 2, kinds: { joiner: 3 } });
        expect(subtractTally(addTally(whole, part), part)).toMatchObject({
            changeCount: 6,
            requestCount: 3,
            kinds: whole.kinds,
        });
    });
});
