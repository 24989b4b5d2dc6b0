import { describe, expect, it } from 'vitest';

import type { ConnectorReport } from '../../src/domain/cycleOutcome';
import { diagnoseNotVisible, directoryRefOf, immutableIdOf } from '../../src/domain/entraConfirmation';
import type { RunSummary } from '../../src/domain/targetState';
import { runSummary } from '../support/targetStateFixtures';

/** What the last lookups saw: one object missing, not a cloud object. */
const missing = { missing: 1, cloudObject: false };

function run(connectors: ConnectorReport[], exportErrors = 0): RunSummary {
    const base = runSummary('connect-01', 1);
    return { ...base, report: { outcome: 'Succeeded', exportErrors, connectors } };
}

describe('what the service can tell about an object missing from Entra ID', () => {
    it('export errors in a covering cycle', () => {
        expect(diagnoseNotVisible(missing, [run([], 2)])).toBe('exportError');
    });

    it('a cloud account holds the UPN', () => {
        expect(diagnoseNotVisible({ ...missing, cloudObject: true }, [run([])])).toBe('cloudObject');
    });

    it('AD imported changes, Entra got no add: out of scope', () => {
        const connectors = [
            { connector: 'contoso.com', runProfile: 'Delta Import', result: 'success', adds: 1 },
            { connector: 'contoso.onmicrosoft.com - AAD', runProfile: 'Export', result: 'success', adds: 0 },
        ];
        expect(diagnoseNotVisible(missing, [run(connectors)])).toBe('outOfScope');
    });

    it('Entra ID received other changes: this object was not carried (never synced), not a scope problem', () => {
        const connectors = [
            { connector: 'contoso.com', runProfile: 'Delta Import', result: 'success', updates: 3 },
            { connector: 'contoso.onmicrosoft.com - AAD', runProfile: 'Export', result: 'success', updates: 3 },
        ];
        expect(diagnoseNotVisible(missing, [run(connectors)])).toBe('neverSynced');
    });

    it('nothing imported: never synced (not replicated yet, or never in a synced OU)', () => {
        const connectors = [
            { connector: 'contoso.com', runProfile: 'Delta Import', result: 'success', adds: 0, updates: 0 },
            { connector: 'contoso.onmicrosoft.com - AAD', runProfile: 'Export', result: 'success' },
        ];
        expect(diagnoseNotVisible(missing, [run(connectors)])).toBe('neverSynced');
        expect(diagnoseNotVisible(missing, [])).toBe('neverSynced');
    });

    it('nothing known to be missing, only lookups that never answered: lookupFailed, whatever the runs say', () => {
        expect(diagnoseNotVisible({ missing: 0, cloudObject: false }, [run([], 2)])).toBe('lookupFailed');
    });
});

describe('object references', () => {
    it('an objectGUID becomes the anchor Entra Connect writes; a base64 anchor is kept; else the UPN', () => {
        expect(immutableIdOf('{00112233-4455-6677-8899-AABBCCDDEEFF}')).toBe('MyIRAFVEd2aImaq7zN3u/w==');
        expect(immutableIdOf('MyIRAFVEd2aImaq7zN3u/w==')).toBe('MyIRAFVEd2aImaq7zN3u/w==');
        expect(immutableIdOf('CN=someone,DC=contoso,DC=com')).toBeNull();
        expect(directoryRefOf({ objectId: 'not-a-guid', upn: 'a@contoso.com' })).toEqual({
            by: 'userPrincipalName',
            value: 'a@contoso.com',
        });
        expect(directoryRefOf({})).toBeNull();
    });
});
