import type { SyncPolicy } from './policy';

/** What happened in Active Directory. `manual` is an operator asking for a cycle without a specific change. */
export type ChangeKind = 'joiner' | 'mover' | 'leaver' | 'attribute' | 'group' | 'password' | 'manual';

export const CHANGE_KINDS: readonly ChangeKind[] = [
    'joiner',
    'mover',
    'leaver',
    'attribute',
    'group',
    'password',
    'manual',
];

/** Kinds whose users are waiting in front of a screen: they get `urgentMaxWait` unless the caller says otherwise. */
const URGENT_BY_DEFAULT: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['joiner', 'password']);

/**
 * One normalised change event, routed to exactly one target.
 * Only what the engine and the on-call picture need is kept: no attribute values, no payload.
 */
export interface Change {
    /** The producer's event id, or one we made; used for idempotency of single events. */
    readonly id: string;
    readonly kind: ChangeKind;
    readonly targetId: string;
    readonly policy: SyncPolicy;
    readonly urgent: boolean;
    /** Object reference (UPN, DN or object id) as given; telemetry only sees it hashed or not at all. */
    readonly objectRef?: string;
}

/**
 * Whether a change of this kind is urgent when the caller does not say.
 * @param kind - the change kind
 */
export function isUrgentByDefault(kind: ChangeKind): boolean {
    return URGENT_BY_DEFAULT.has(kind);
}

/** Counts of changes per kind; kinds with no changes are absent. */
export type KindCounts = Partial<Record<ChangeKind, number>>;

/**
 * Counts changes per kind.
 * @param changes - the changes of one request
 */
export function countKinds(changes: readonly Pick<Change, 'kind'>[]): KindCounts {
    const counts: KindCounts = {};
    for (const change of changes) counts[change.kind] = (counts[change.kind] ?? 0) + 1;
    return counts;
}
