/**
 * SYNC_TARGETS and SYNC_ROUTING: which targets exist, how each is reached, and which changes go where. Parsed into
 * the domain's {@link Target} and {@link Routing}.
 */
import { z } from 'zod';

import type { Routing, RoutingRule } from '../domain/routing';
import type { Target } from '../domain/target';
import type { TargetTiming } from '../domain/timing';
import { jsonOf, requiredSetting, setting } from './settingSchema';
import { TIMING_OVERRIDE_KEYS, timingOverridesSchema } from './timingSettings';

// Azure names: resource groups allow more, but nothing here ever needs characters that could break a URL path.
const azureName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/, 'must be an Azure resource name');

/** What every target has, whatever engine runs its cycles. */
const targetFields = {
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
    timing: timingOverridesSchema.optional(),
};

/** A target whose cycles an Entra Connect server runs, reached through Automation and a Hybrid Worker group. */
const connectSyncTarget = z
    .object({
        ...targetFields,
        subscriptionId: z.guid('must be a subscription GUID'),
        resourceGroup: azureName,
        automationAccount: z
            .string()
            .regex(/^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/, 'must be an Automation account name'),
        runbook: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'must be a runbook name'),
        hybridWorkerGroup: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a Hybrid Worker group name'),
    })
    .strict();

/**
 * One entry of SYNC_TARGETS. With a second engine this becomes `z.discriminatedUnion('engine', [...])` over
 * `connectSyncTarget.extend({ engine: z.literal('connectSync') })` and the other engine's object (each extending
 * {@link targetFields}), and {@link toTarget} switches on `engine`.
 */
const targetEntry = connectSyncTarget;

type TargetEntry = z.output<typeof targetEntry>;

const targetsSchema = z
    .array(targetEntry)
    .min(1, 'must list at least one target')
    .superRefine((targets, ctx) => {
        const seen = new Set<string>();
        targets.forEach((t, i) => {
            if (seen.has(t.id))
                ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate target id "${t.id}"` });
            seen.add(t.id);
        });
    });

const ruleSchema = z.union([
    z.object({ upnSuffix: z.string().min(1).max(255), target: z.string() }).strict(),
    z.object({ domain: z.string().min(1).max(255), target: z.string() }).strict(),
    z.object({ dnSuffix: z.string().min(1).max(1024), target: z.string() }).strict(),
]);

const routingSchema = z
    .object({ defaultTarget: z.string().optional(), rules: z.array(ruleSchema).default([]) })
    .strict();

const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

/** SYNC_TARGETS and SYNC_ROUTING; routing may name only targets that exist. */
export const TARGET_SETTINGS = z
    .object({
        SYNC_TARGETS: requiredSetting(jsonOf(targetsSchema), {
            setByInfra: true,
            description: `JSON array of targets: \`{ ${quoted(Object.keys(connectSyncTarget.shape).filter((k) => k !== 'timing'))}, "timing"? }\`. \`timing\` overrides the SYNC_* timing settings for that target, by the same names in camelCase (durations in seconds): ${TIMING_OVERRIDE_KEYS.map((k) => `\`${k}\``).join(', ')}.`,
        }),
        SYNC_ROUTING: setting(jsonOf(routingSchema), {
            default: '{"rules":[]}',
            setByInfra: true,
            description:
                'JSON routing: `{ "defaultTarget": "id", "rules": [ { "upnSuffix": "contoso.com", "target": "id" }, { "domain": "CONTOSO", "target": "id" }, { "dnSuffix": "DC=contoso,DC=com", "target": "id" } ] }`. With one target and no routing, everything goes to it.',
        }),
    })
    .superRefine(({ SYNC_TARGETS: targets, SYNC_ROUTING: routing }, ctx) => {
        const known = new Set(targets.map((t) => t.id));
        routing.rules.forEach((rule, i) => {
            if (known.has(rule.target)) return;
            const path = ['SYNC_ROUTING', 'rules', i, 'target'];
            ctx.addIssue({ code: 'custom', path, message: `unknown target "${rule.target}"` });
        });
        if (routing.defaultTarget !== undefined && !known.has(routing.defaultTarget)) {
            const message = `unknown target "${routing.defaultTarget}"`;
            ctx.addIssue({ code: 'custom', path: ['SYNC_ROUTING', 'defaultTarget'], message });
        }
    });

/**
 * The domain's target from one parsed entry.
 * @param entry - an entry of SYNC_TARGETS
 * @param timing - its timing, overrides applied
 */
export function toTarget(entry: TargetEntry, timing: TargetTiming): Target {
    const { id, timing: _overrides, ...automation } = entry;
    return { ...automation, targetId: id, timing };
}

/**
 * The domain's routing; with one target and no default, everything goes to that target.
 * @param parsed - SYNC_ROUTING parsed
 * @param targetIds - the targets' ids
 */
export function toRouting(parsed: z.output<typeof routingSchema>, targetIds: readonly string[]): Routing {
    const lone = targetIds.length === 1 ? (targetIds[0] ?? null) : null;
    // Typed as the domain's rules: the schema must produce exactly what routing reads.
    const rules: readonly RoutingRule[] = parsed.rules;
    return { rules, defaultTarget: parsed.defaultTarget ?? lone };
}
