import { describe, expect, it } from 'vitest';

import { targetStateSchema } from '../../../src/adapters/tables/targetStateSchema';
import { LEGACY_EPOCH } from '../../../src/domain/targetState';
import { richState } from '../../support/targetStateFixtures';

describe('stored target state', () => {
    it('reads a state stored before epochs existed, marked as legacy for the coordinator to migrate', () => {
        const { epoch, ...stored } = richState('contoso');
        expect(epoch).not.toBe(LEGACY_EPOCH);
        const parsed = targetStateSchema.parse(JSON.parse(JSON.stringify(stored)));
        expect(parsed.epoch).toBe(LEGACY_EPOCH);
        expect(parsed).toEqual({ ...richState('contoso'), epoch: LEGACY_EPOCH });
    });

    it('keeps the epoch it was stored with', () => {
        const state = richState('contoso');
        expect(targetStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
    });
});
