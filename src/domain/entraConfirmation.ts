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
 *   two are the service's best reading, not proof.
 */
export type NotVisibleReason = 'exportError' | 'cloudObject' | 'outOfScope' | 'neverSynced';

/** The per-object answer of one lookup. */
export interface ObjectCheck {
    readonly ref: DirectoryObjectRef;
    /** Found and synced from on-premises, with the time Entra ID says it was last written by sync. */
    readonly found: boolean;
    readonly lastSyncAt: number | null;
    /** Found under this UPN, but a cloud object. */
    readonly cloudObject: boolean;
}

/**
 * Where a request's confirmation is.
 * - `awaitingRun`: the cycle covering the request has not ended (or not been seen to end).
 * - `awaitingExtraRun`: a lookup after the cycle found not every object; one more run is submitted at `dueAt`
 *   (idempotently: its request is `extraRequestId`), and the objects are looked up again after it ends.
 * - `confirmed`: every object is in Entra ID; `confirmedAt` is when the service saw the last of them.
 * - `notVisible`: still missing after the extra runs; final, with the reason the service can tell.
 * - `notApplicable`: the covering cycle did not succeed (the request already reports that), or no object to check.
 */
export type ConfirmationState =
    | { readonly phase: 'awaitingRun' }
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
          readonly missing: readonly DirectoryObjectRef[];
          readonly extraRuns: number;
      }
    | { readonly phase: 'notApplicable'; readonly because: 'cycleDidNotSucceed' | 'noObject' };

/** One request's confirmation: the objects it named and where checking them stands. */
export interface ConfirmationRecord {
    readonly requestId: string;
    readonly targetId: string;
    readonly correlationId: string;
    readonly acceptedAt: number;
    readonly objects: readonly DirectoryObjectRef[];
    readonly state: ConfirmationState;
    /** The optimistic-concurrency tag of the stored record; null for a record not stored yet. */
    readonly etag: string | null;
}

/** Whether the confirmation has its final answer. */
export function isConfirmationFinal(state: ConfirmationState): boolean {
    return state.phase === 'confirmed' || state.phase === 'notVisible' || state.phase === 'notApplicable';
}

const isAadConnector = (name: string): boolean => /aad|entra|azure active directory|windows\.net/i.test(name);

/**
 * The reason an object is missing, from the lookups and the run-profile results of the cycles that should have
 * carried it. The most specific evidence wins: export errors, then a cloud object under the UPN, then counters.
 * @param checks - the last lookups of the missing objects
 * @param runs - the finished runs that covered the request (the first and the extra ones)
 */
export function diagnoseNotVisible(checks: readonly ObjectCheck[], runs: readonly RunSummary[]): NotVisibleReason {
    if (runs.some((r) => r.report.exportErrors > 0)) return 'exportError';
    if (checks.some((c) => c.cloudObject)) return 'cloudObject';
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
