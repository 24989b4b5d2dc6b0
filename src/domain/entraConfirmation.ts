import type { RunSummary } from './targetState';

/**
 * How the service finds an on-premises object in Microsoft Entra ID: by its source anchor (`onPremisesImmutableId`,
 * the base64 of the AD objectGUID / ms-DS-ConsistencyGuid) or by its UPN. A DN alone cannot be looked up.
 */
export type DirectoryObjectRef =
    | { readonly by: 'immutableId'; readonly value: string }
    | { readonly by: 'userPrincipalName'; readonly value: string };

const GUID = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;
const BASE64_GUID = /^[A-Za-z0-9+/]{22}==$/;
const UPN = /^[^@\s]+@[^@\s]+$/;

/**
 * The source anchor Entra Connect writes for an objectGUID: the GUID's 16 bytes in Windows order (the first three
 * groups little-endian, as `Guid.ToByteArray()`), base64. A value that already is a base64 anchor is kept.
 * @param objectId - an objectGUID (`xxxxxxxx-xxxx-…`) or a base64 anchor
 * @returns the anchor, or null when the value is neither
 */
export function immutableIdOf(objectId: string): string | null {
    const text = objectId.trim();
    if (BASE64_GUID.test(text)) return text;
    const m = GUID.exec(text);
    if (m === null) return null;
    const [, a = '', b = '', c = '', d = '', e = ''] = m;
    const le = (hex: string): string => (hex.match(/../g) ?? []).reverse().join('');
    return Buffer.from(le(a) + le(b) + le(c) + d + e, 'hex').toString('base64');
}

/**
 * The reference to look a change's object up by: the anchor when the change names an objectGUID, else its UPN.
 * @param change - the identifiers a change carries
 * @returns null when the change names no object Entra ID can be asked about
 */
export function directoryRefOf(change: {
    readonly objectId?: string;
    readonly upn?: string;
}): DirectoryObjectRef | null {
    const anchor = change.objectId === undefined ? null : immutableIdOf(change.objectId);
    if (anchor !== null) return { by: 'immutableId', value: anchor };
    const upn = change.upn?.trim();
    if (upn !== undefined && UPN.test(upn)) return { by: 'userPrincipalName', value: upn };
    return null;
}

/**
 * What the service can tell about an object that did not appear in Entra ID after the extra run:
 * - `exportError`: a covering cycle reported export errors (see the runs' connector results);
 * - `cloudObject`: Entra ID has a user with this UPN, but not synced from on-premises (`onPremisesSyncEnabled` is
 *   not true): a cloud account holds the name, or sync was turned off for it;
 * - `outOfScope`: the AD connector imported changes but the Entra connector exported nothing at all: the changes
 *   are outside the sync scope (OU/group filtering) or a sync rule kept them out;
 * - `neverSynced`: otherwise: the cycles did not carry it (not yet replicated to the domain controller the Connect
 *   server reads, or never in a synced OU). The run-profile counters are per connector, not per object, so these
 *   two are the service's best reading, not proof;
 * - `lookupFailed`: no object is known to be missing, but the directory could not be asked about some of them
 *   (throttled, unavailable, refused, or an answer that failed its checks) for the whole lookup deadline.
 */
export type NotVisibleReason = 'exportError' | 'cloudObject' | 'outOfScope' | 'neverSynced' | 'lookupFailed';

/**
 * Why a lookup gave no answer, in words of the service's own (never the directory's text):
 * - `throttled`: the directory said to slow down (429);
 * - `unavailable`: it did not answer, or answered 5xx, or not in time;
 * - `forbidden`: the app's identity may not read users (401/403: the Graph permission is missing);
 * - `badRequest`: it refused the query (400);
 * - `invalidAnswer`: the answer failed the service's checks (shape, a user that was not asked for, a next link off
 *   the directory's host, more pages than a lookup can need);
 * - `answerTooLarge`: the answer was larger than any lookup can need.
 */
export type LookupFailure =
    'throttled' | 'unavailable' | 'forbidden' | 'badRequest' | 'invalidAnswer' | 'answerTooLarge';

/** The lookups of a confirmation: after the request's cycle, just before the extra run, after it. */
export const ROUND = Object.freeze({ afterCycle: 0, beforeExtraRun: 1, afterExtraRun: 2 } as const);
export type LookupRound = (typeof ROUND)[keyof typeof ROUND];

/**
 * Where a request's confirmation is. Which objects are found, missing or still being asked about is kept per object
 * (see confirmationProgress.ts); this is the request's part.
 * - `awaitingRun`: the cycle covering the request has not ended (or not been seen to end).
 * - `checking`: the objects are being looked up in `round`, over as many timer passes as the lookup budget needs;
 *   `extraRuns` extra runs have ended (`extraRequestId`: the last one).
 * - `awaitingExtraRun`: a lookup after the cycle found not every object; one more run is submitted at `dueAt`
 *   (idempotently: its request is `extraRequestId`), and the objects are looked up again after it ends.
 * - `confirmed`: every object is in Entra ID; `confirmedAt` is when the service saw the last of them.
 * - `notVisible`: final: `missing` objects are still not in Entra ID after the extra runs, `lookupFailed` could not be
 *   asked about within the deadline (`lookupFailure`: the last reason); `reason` is what the service can tell.
 * - `notApplicable`: the covering cycle did not succeed (the request already reports that), or no object to check.
 */
export type ConfirmationState =
    | { readonly phase: 'awaitingRun' }
    | {
          readonly phase: 'checking';
          readonly round: LookupRound;
          readonly extraRuns: number;
          readonly extraRequestId: string | null;
      }
    | {
          readonly phase: 'awaitingExtraRun';
          readonly extraRuns: number;
          readonly dueAt: number;
          /** The extra run's request, once submitted; null before `dueAt`. */
          readonly extraRequestId: string | null;
      }
    | { readonly phase: 'confirmed'; readonly confirmedAt: number; readonly extraRuns: number }
    | {
          readonly phase: 'notVisible';
          readonly reason: NotVisibleReason;
          readonly checkedAt: number;
          readonly missing: number;
          readonly lookupFailed: number;
          readonly lookupFailure: LookupFailure | null;
          readonly extraRuns: number;
      }
    | { readonly phase: 'notApplicable'; readonly because: 'cycleDidNotSucceed' | 'noObject' };

/**
 * One request's confirmation: who asked, how many objects it names (kept apart, chunk by chunk: a request may name
 * thousands) and where checking them stands.
 */
export interface ConfirmationRecord {
    readonly requestId: string;
    readonly targetId: string;
    readonly correlationId: string;
    readonly acceptedAt: number;
    readonly objectCount: number;
    readonly state: ConfirmationState;
    /**
     * When the timer should look at it next. Passes take the records due earliest first and move each one they
     * served to its next time, so a record that keeps failing never holds a newer one back.
     */
    readonly dueAt: number;
    /** The optimistic-concurrency tag of the stored record; null for a record not stored yet. */
    readonly etag: string | null;
}

/** Whether the confirmation has its final answer. */
export function isConfirmationFinal(state: ConfirmationState): boolean {
    return state.phase === 'confirmed' || state.phase === 'notVisible' || state.phase === 'notApplicable';
}

const isAadConnector = (name: string): boolean => /aad|entra|azure active directory|windows\.net/i.test(name);

/**
 * The reason objects are missing, from what the lookups saw and the run-profile results of the cycles that should
 * have carried them. The most specific evidence wins: export errors, then a cloud object under a UPN, then counters;
 * with nothing known to be missing, only failed lookups remain.
 * @param seen - how many objects the last lookups found missing, whether any was a cloud object
 * @param runs - the finished runs that covered the request (the first and the extra ones)
 */
export function diagnoseNotVisible(
    seen: { readonly missing: number; readonly cloudObject: boolean },
    runs: readonly RunSummary[],
): NotVisibleReason {
    if (seen.missing === 0) return 'lookupFailed';
    if (runs.some((r) => r.report.exportErrors > 0)) return 'exportError';
    if (seen.cloudObject) return 'cloudObject';
    const connectors = runs.flatMap((r) => r.report.connectors ?? []);
    const imported = connectors.some(
        (c) => !isAadConnector(c.connector) && /import/i.test(c.runProfile) && (c.adds ?? 0) + (c.updates ?? 0) > 0,
    );
    // Counters are per connector, not per object: only "AD imported changes and Entra ID received nothing at all"
    // points at scope; when Entra ID received anything, this object may simply not have been imported.
    const exportedAnything = connectors.some(
        (c) => isAadConnector(c.connector) && /export/i.test(c.runProfile) && (c.adds ?? 0) + (c.updates ?? 0) > 0,
    );
    return imported && !exportedAnything ? 'outOfScope' : 'neverSynced';
}
