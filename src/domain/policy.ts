/**
 * The sync policy a cycle runs with. `Initial` (full import and full sync) includes everything a `Delta`
 * cycle does, so when both are wanted `Initial` wins.
 */
export type SyncPolicy = 'Delta' | 'Initial';

export const SYNC_POLICIES: readonly SyncPolicy[] = ['Delta', 'Initial'];

/**
 * Returns the policy that covers both inputs.
 * @param a - one wanted policy
 * @param b - another wanted policy
 */
export function strongerPolicy(a: SyncPolicy, b: SyncPolicy): SyncPolicy {
    return a === 'Initial' || b === 'Initial' ? 'Initial' : 'Delta';
}
