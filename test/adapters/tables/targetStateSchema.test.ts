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

    it('reads a window stored before the lead rule as not leading (it keeps the window rule it was opened under)', () => {
        const state = richState('contoso');
        if (state.window === null) throw new Error('window expected');
        const { lead, ...window } = { ...state.window, lead: true };
        expect(lead).toBe(true);
        const parsed = targetStateSchema.parse(JSON.parse(JSON.stringify({ ...state, window })));
        expect(parsed.window?.lead).toBe(false);
        expect(
            targetStateSchema.parse(JSON.parse(JSON.stringify({ ...state, window: { ...window, lead } }))).window?.lead,
        ).toBe(true);
    });
});
