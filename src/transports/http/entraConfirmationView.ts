import {
    type ConfirmationRecord,
    isConfirmationFinal,
    type LookupFailure,
    type NotVisibleReason,
} from '../../domain/entraConfirmation';
import type { RequestStatus } from '../../domain/requestStatus';

/** The `entra` member of a request's status answer (ENTRA_CONFIRMATION=on, a request naming objects). */
export interface EntraConfirmationView {
    readonly state: 'confirming' | 'confirmed' | 'notVisibleInEntra' | 'notApplicable';
    /** One sentence for people (and Logic Apps run history). */
    readonly detail: string;
    readonly objects: number;
    readonly extraRuns: number;
    readonly confirmedAt?: string;
    readonly reason?: NotVisibleReason;
    readonly checkedAt?: string;
    /** While an extra run is planned: when it is submitted. */
    readonly extraRunAt?: string;
}

const REASON_TEXT: Readonly<Record<NotVisibleReason, string>> = {
    exportError: 'the cycle reported export errors (see run.connectors)',
    cloudObject: 'Entra ID has a cloud account with this UPN, not the synced object',
    outOfScope:
        'the AD import saw changes but nothing was added in Entra ID: out of sync scope or kept out by a sync rule',
    neverSynced:
        'the cycles imported nothing for it: not yet replicated to the domain controller the Connect server reads, or not in a synced OU',
    lookupFailed: 'Microsoft Graph could not be asked about it within the lookup deadline',
};

/** Why Graph could not be asked, in the service's words (never Graph's text). */
const FAILURE_TEXT: Readonly<Record<LookupFailure, string>> = {
    throttled: 'Graph kept throttling the lookups (429)',
    unavailable: 'Graph did not answer',
    forbidden: "the app's identity may not read users (grant User.Read.All)",
    badRequest: 'Graph refused the query',
    invalidAnswer: 'Graph answered something that failed the service checks',
    answerTooLarge: 'Graph answered more than a lookup can need',
};

function notVisibleDetail(s: Extract<ConfirmationRecord['state'], { phase: 'notVisible' }>): string {
    const parts: string[] = [];
    if (s.missing > 0 || s.lookupFailed === 0) {
        const reason = s.reason === 'lookupFailed' ? REASON_TEXT.neverSynced : REASON_TEXT[s.reason];
        parts.push(`${s.missing} object(s) not found in Entra ID after ${s.extraRuns + 1} cycle(s): ${reason}`);
    }
    if (s.lookupFailed > 0) {
        const why = s.lookupFailure === null ? '' : ` (${FAILURE_TEXT[s.lookupFailure]})`;
        parts.push(`${s.lookupFailed} object(s) could not be looked up within the lookup deadline${why}`);
    }
    return `${parts.join('; ')}.`;
}

/**
 * The confirmation as the status answer shows it.
 * @param record - the stored confirmation
 */
export function entraConfirmationView(record: ConfirmationRecord): EntraConfirmationView {
    const objects = record.objectCount;
    const s = record.state;
    switch (s.phase) {
        case 'awaitingRun':
            return {
                state: 'confirming',
                detail: 'Waiting for the cycle to end before looking the object up in Entra ID.',
                objects,
                extraRuns: 0,
            };
        case 'checking':
            return {
                state: 'confirming',
                detail:
                    s.extraRuns === 0
                        ? 'Looking the objects up in Entra ID.'
                        : 'Looking the objects up in Entra ID after the extra cycle.',
                objects,
                extraRuns: s.extraRuns,
            };
        case 'awaitingExtraRun':
            return {
                state: 'confirming',
                detail: 'Not in Entra ID after the cycle; one more cycle runs after a replication delay.',
                objects,
                extraRuns: s.extraRuns,
                ...(s.extraRequestId === null ? { extraRunAt: new Date(s.dueAt).toISOString() } : {}),
            };
        case 'confirmed':
            return {
                state: 'confirmed',
                detail: `Confirmed in Entra ID at ${new Date(s.confirmedAt).toISOString()}.`,
                objects,
                extraRuns: s.extraRuns,
                confirmedAt: new Date(s.confirmedAt).toISOString(),
            };
        case 'notVisible':
            return {
                state: 'notVisibleInEntra',
                detail: notVisibleDetail(s),
                objects,
                extraRuns: s.extraRuns,
                reason: s.reason,
                checkedAt: new Date(s.checkedAt).toISOString(),
            };
        case 'notApplicable':
            return {
                state: 'notApplicable',
                detail:
                    s.because === 'noObject'
                        ? 'The request names no object Entra ID can be asked about.'
                        : 'The cycle did not succeed; nothing to confirm.',
                objects,
                extraRuns: 0,
            };
    }
}

/**
 * What the confirmations change in the answer once the cycles are done: still `confirming` (poll again), or a
 * final `notVisible`; null when they change nothing (confirmed, not applicable, off).
 * @param state - the request's overall state from its cycles
 * @param records - the confirmations of its parts (null where none)
 */
export function entraGate(
    state: RequestStatus['state'],
    records: readonly (ConfirmationRecord | null)[],
): 'confirming' | 'notVisible' | null {
    if (state !== 'succeeded' && state !== 'partiallySucceeded') return null;
    const present = records.filter((r): r is ConfirmationRecord => r !== null);
    if (present.some((r) => !isConfirmationFinal(r.state))) return 'confirming';
    if (present.some((r) => r.state.phase === 'notVisible')) return 'notVisible';
    return null;
}
