import { describe, expect, it } from 'vitest';

import { CHANGE_KINDS, countKinds, isUrgentByDefault } from '../../src/domain/change';
import { strongerPolicy } from '../../src/domain/policy';

describe('change', () => {
    it('treats joiners and password resets as urgent by default, nothing else', () => {
        const urgent = CHANGE_KINDS.filter(isUrgentByDefault);
        expect(urgent).toEqual(['joiner', 'password']);
    });

    it('counts kinds and leaves absent kinds out', () => {
        expect(countKinds([{ kind: 'joiner' }, { kind: 'leaver' }, { kind: 'joiner' }])).toEqual({
            joiner: 2,
            leaver: 1,
        });
        expect(countKinds([])).toEqual({});
    });

    it('lets Initial win over Delta in either order', () => {
        expect(strongerPolicy('Delta', 'Delta')).toBe('Delta');
        expect(strongerPolicy('Delta', 'Initial')).toBe('Initial');
        expect(strongerPolicy('Initial', 'Delta')).toBe('Initial');
    });
});
