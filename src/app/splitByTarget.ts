import type { Config } from '../config/loadConfig';
import { countKinds, isUrgentByDefault } from '../domain/change';
import { strongerPolicy, type SyncPolicy } from '../domain/policy';
import { routeChange } from '../domain/routing';
import type { ParsedChanges, RawChange } from '../transports/formats/parseIntake';
import { type FieldError, type Refusal, refuse } from '../transports/formats/problem';
import { sha256Hex } from './idempotency';

/** One target's share of a request, ready for `acceptRequest` once ids are assigned. */
export interface TargetShare {
    readonly targetId: string;
    readonly policy: SyncPolicy;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly kinds: ReturnType<typeof countKinds>;
    /** Hash of the normalised changes, to tell a retry from a reused key. */
    readonly bodyHash: string;
}

interface Routed {
    readonly change: RawChange;
    readonly targetId: string;
    readonly urgent: boolean;
    readonly policy: SyncPolicy;
}

/**
 * Routes every change to a target and groups them, one share per target (sorted by target id so that a
 * retry produces the same shares).
 * @param parsed - the parsed request
 * @param config - targets and routing
 */
export function splitByTarget(parsed: ParsedChanges, config: Config): TargetShare[] | Refusal {
    const known = new Set(config.targets.keys());
    const routed: Routed[] = [];
    const unknown: FieldError[] = [];
    const unrouted: FieldError[] = [];
    for (const change of parsed.changes) {
        const route = routeChange(change.hints, config.routing, known);
        if (!route.ok) {
            if (route.reason === 'unknownTarget') {
                unknown.push({ pointer: `${change.pointer}/target`, detail: 'is not a configured target' });
            } else {
                unrouted.push({
                    pointer: change.pointer,
                    detail: 'no routing rule matches and there is no default target',
                });
            }
            continue;
        }
        routed.push({
            change,
            targetId: route.targetId,
            urgent: change.urgent ?? parsed.requestUrgent ?? isUrgentByDefault(change.kind),
            policy: strongerPolicy(change.policy ?? 'Delta', parsed.requestPolicy ?? 'Delta'),
        });
    }
    if (unknown.length > 0) {
        return refuse('UNKNOWN_TARGET', 'A change names a target that is not configured.', {
            errors: unknown.slice(0, 50),
        });
    }
    if (unrouted.length > 0) {
        return refuse('NO_ROUTE', 'A change matches no routing rule.', { errors: unrouted.slice(0, 50) });
    }
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
