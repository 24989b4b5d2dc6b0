import { describe, expect, it } from 'vitest';

import type { ConfirmationRecord, ConfirmationState } from '../../../src/domain/entraConfirmation';
import { entraConfirmationView } from '../../../src/transports/http/entraConfirmationView';

const record = (state: ConfirmationState): ConfirmationRecord => ({
    requestId: 'r1',
    targetId: 'connect-01',
    correlationId: 'c',
    acceptedAt: 0,
    objectCount: 5000,
    state,
    dueAt: 0,
    etag: '1',
});

describe('the entra member of a status answer', () => {
    it('while objects are being looked up: confirming, with the request’s object count', () => {
        expect(
            entraConfirmationView(record({ phase: 'checking', round: 0, extraRuns: 0, extraRequestId: null })),
        ).toEqual({
            state: 'confirming',
            detail: 'Looking the objects up in Entra ID.',
            objects: 5000,
            extraRuns: 0,
        });
    });

    it('a final answer says how many are missing and how many could not be asked about, in the service’s words', () => {
        const view = entraConfirmationView(
            record({
                phase: 'notVisible',
                reason: 'neverSynced',
                checkedAt: 0,
                missing: 10,
                lookupFailed: 1,
                lookupFailure: 'forbidden',
                extraRuns: 1,
            }),
        );
        expect(view).toMatchObject({ state: 'notVisibleInEntra', reason: 'neverSynced', objects: 5000 });
        expect(view.detail).toBe(
            "10 object(s) not found in Entra ID after 2 cycle(s): the cycles imported nothing for it: not yet replicated to the domain controller the Connect server reads, or not in a synced OU; 1 object(s) could not be looked up within the lookup deadline (the app's identity may not read users (grant User.Read.All)).",
        );
    });

    it('only lookups that failed: reason lookupFailed, and the detail names why', () => {
        const view = entraConfirmationView(
            record({
                phase: 'notVisible',
                reason: 'lookupFailed',
                checkedAt: 0,
                missing: 0,
                lookupFailed: 3,
                lookupFailure: 'throttled',
                extraRuns: 0,
            }),
        );
        expect(view).toMatchObject({ reason: 'lookupFailed' });
        expect(view.detail).toBe(
            '3 object(s) could not be looked up within the lookup deadline (Graph kept throttling the lookups (429)).',
        );
    });
});
