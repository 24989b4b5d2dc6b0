import { type ChangeKind, countKinds, isUrgentByDefault } from '../domain/change';
import { strongerPolicy, type SyncPolicy } from '../domain/policy';
import { routeChange, type Routing, type RoutingHints } from '../domain/routing';
import { sha256Hex } from './idempotency';

/** One change as submitted, before routing. `pointer` locates it in the submission for error reports. */
export interface SubmittedChange {
    readonly pointer: string;
    readonly kind: ChangeKind;
    readonly hints: RoutingHints;
    readonly id?: string;
    readonly objectId?: string;
    readonly urgent?: boolean;
    readonly policy?: SyncPolicy;
}

/** The changes of one submission with the defaults the submission sets for all of them. */
export interface SubmittedChanges {
    readonly changes: readonly SubmittedChange[];
    readonly requestPolicy?: SyncPolicy;
    readonly requestUrgent?: boolean;
}

/** One target's share of a request, ready to be accepted once ids are assigned. */
export interface TargetShare {
    readonly targetId: string;
    readonly policy: SyncPolicy;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly kinds: ReturnType<typeof countKinds>;
    /** Hash of the normalised changes, to tell a retry from a reused key. */
    readonly bodyHash: string;
}

/** Changes that cannot be routed, each located by its pointer (`…/target` for a named target that is unknown). */
export type RoutingFailure =
    | { readonly kind: 'unknownTarget'; readonly pointers: readonly string[] }
    | { readonly kind: 'noRoute'; readonly pointers: readonly string[] };

/** What routing needs: the configured targets and rules. */
export interface RoutingDeps {
    readonly targets: ReadonlyMap<string, unknown>;
    readonly routing: Routing;
}

interface Routed {
    readonly change: SubmittedChange;
    readonly targetId: string;
    readonly urgent: boolean;
    readonly policy: SyncPolicy;
}

/** At most this many unroutable changes are named in a failure. */
const MAX_NAMED = 50;

/**
 * Routes every change to a target and groups them, one share per target (sorted by target id so that a
 * retry produces the same shares). A change naming an unknown target wins over one that matches no rule.
 * @param submitted - the submitted changes
 * @param deps - targets and routing
 */
export function splitByTarget(submitted: SubmittedChanges, deps: RoutingDeps): TargetShare[] | RoutingFailure {
    const known = new Set(deps.targets.keys());
    const routed: Routed[] = [];
    const unknown: string[] = [];
    const unrouted: string[] = [];
    for (const change of submitted.changes) {
        const route = routeChange(change.hints, deps.routing, known);
        if (!route.ok) {
            if (route.reason === 'unknownTarget') unknown.push(`${change.pointer}/target`);
            else unrouted.push(change.pointer);
            continue;
        }
        routed.push({
            change,
            targetId: route.targetId,
            urgent: change.urgent ?? submitted.requestUrgent ?? isUrgentByDefault(change.kind),
            policy: strongerPolicy(change.policy ?? 'Delta', submitted.requestPolicy ?? 'Delta'),
        });
    }
    if (unknown.length > 0) return { kind: 'unknownTarget', pointers: unknown.slice(0, MAX_NAMED) };
    if (unrouted.length > 0) return { kind: 'noRoute', pointers: unrouted.slice(0, MAX_NAMED) };
    const byTarget = new Map<string, Routed[]>();
    for (const r of routed) byTarget.set(r.targetId, [...(byTarget.get(r.targetId) ?? []), r]);
    return [...byTarget.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([targetId, items]) => ({
            targetId,
            policy: items.reduce<SyncPolicy>((p, r) => strongerPolicy(p, r.policy), 'Delta'),
            changeCount: items.length,
            urgentCount: items.filter((r) => r.urgent).length,
            kinds: countKinds(items.map((r) => r.change)),
            bodyHash: sha256Hex(JSON.stringify(items.map(canonical))),
        }));
}

function canonical(r: Routed): unknown[] {
    const c = r.change;
    return [
        r.targetId,
        c.kind,
        r.policy,
        r.urgent,
        c.id ?? null,
        c.objectId ?? null,
        c.hints.upn ?? null,
        c.hints.domain ?? null,
        c.hints.distinguishedName ?? null,
    ];
}
