/** One routing rule: changes whose UPN suffix, NetBIOS/DNS domain or DN suffix matches go to `target`. */
export type RoutingRule =
    | { readonly upnSuffix: string; readonly target: string }
    | { readonly domain: string; readonly target: string }
    | { readonly dnSuffix: string; readonly target: string };

/** Routing of changes to targets: explicit target first, then the first matching rule, then the default. */
export interface Routing {
    readonly rules: readonly RoutingRule[];
    readonly defaultTarget: string | null;
}

/** What a change tells us about where it belongs. */
export interface RoutingHints {
    readonly target?: string;
    readonly upn?: string;
    readonly domain?: string;
    readonly distinguishedName?: string;
}

export type RouteResult =
    | { readonly ok: true; readonly targetId: string; readonly by: 'explicit' | 'rule' | 'default' }
    | { readonly ok: false; readonly reason: 'unknownTarget' | 'noRoute'; readonly target?: string };

/**
 * Routes one change to a target.
 * @param hints - the change's explicit target and identifiers
 * @param routing - the configured rules
 * @param knownTargets - ids of configured targets
 */
export function routeChange(hints: RoutingHints, routing: Routing, knownTargets: ReadonlySet<string>): RouteResult {
    if (hints.target !== undefined) {
        return knownTargets.has(hints.target)
            ? { ok: true, targetId: hints.target, by: 'explicit' }
            : { ok: false, reason: 'unknownTarget', target: hints.target };
    }
    for (const rule of routing.rules) {
        if (ruleMatches(rule, hints)) return { ok: true, targetId: rule.target, by: 'rule' };
    }
    if (routing.defaultTarget !== null) return { ok: true, targetId: routing.defaultTarget, by: 'default' };
    return { ok: false, reason: 'noRoute' };
}

/**
 * One form for comparing UPNs and suffixes: NFC (a composed and a decomposed `é` are the same suffix) and lower
 * case. Compatibility forms (fullwidth letters) are not folded here; the intake refuses UPN suffixes that have one.
 * @param value - a UPN or UPN suffix
 */
function upnFold(value: string): string {
    return value.normalize('NFC').toLowerCase();
}

function ruleMatches(rule: RoutingRule, hints: RoutingHints): boolean {
    if ('upnSuffix' in rule) {
        const upn = hints.upn === undefined ? undefined : upnFold(hints.upn);
        const suffix = upnFold(rule.upnSuffix).replace(/^@/, '');
        return upn !== undefined && upn.endsWith(`@${suffix}`);
    }
    if ('domain' in rule) {
        const domain = hints.domain?.toLowerCase();
        return domain !== undefined && domain === rule.domain.toLowerCase();
    }
    const dn = hints.distinguishedName?.toLowerCase().replace(/\s+/g, '');
    return dn !== undefined && dn.endsWith(rule.dnSuffix.toLowerCase().replace(/\s+/g, ''));
}
