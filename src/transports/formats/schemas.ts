import { z } from 'zod';

import { CHANGE_KINDS } from '../../domain/change';
import { SYNC_POLICIES } from '../../domain/policy';

/**
 * Characters that have no place in AD names, ids or routing hints but do in shells and HTML. These fields are
 * only ever used for routing and telemetry, never on a command line; refusing them keeps it that way and keeps
 * the status page and logs free of markup.
 */
const FORBIDDEN = /[`$|;<>&"\\\u0000-\u001f\u007f]/;

/**
 * A bounded string free of shell and markup metacharacters.
 * @param max - the longest accepted length
 */
export const safeText = (max: number) =>
    z
        .string()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .refine((v) => !FORBIDDEN.test(v), 'contains characters that are not accepted (` $ | ; < > & " \\ or control)');

/** A distinguished name may escape `,` `+` `=` with a backslash; everything else in {@link safeText} still holds. */
const distinguishedName = z
    .string()
    .min(3)
    .max(2048, 'must be at most 2048 characters')
    .refine((v) => !/[`$|;<>&"\u0000-\u001f\u007f]/.test(v), 'contains characters that are not accepted')
    .refine((v) => /=/.test(v), 'must be a distinguished name (CN=…,DC=…)');

const targetId = z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a target id (lowercase letters, digits, dashes)');
const upn = safeText(256).refine((v) => /^[^\s@]+@[^\s@]+$/.test(v), 'must be a user principal name (name@suffix)');
const domain = safeText(255).refine((v) => /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(v), 'must be a domain name');
const objectId = safeText(128);
export const policySchema = z.enum(SYNC_POLICIES);
const kindSchema = z.enum(CHANGE_KINDS);

/** What a change says about itself, in every format. */
const hintFields = {
    target: targetId.optional(),
    upn: upn.optional(),
    domain: domain.optional(),
    distinguishedName: distinguishedName.optional(),
    objectId: objectId.optional(),
    urgent: z.boolean().optional(),
};

export const nativeChangeSchema = z.strictObject({ kind: kindSchema, id: safeText(256).optional(), ...hintFields });

/** `{ kind, … }`: one change, optionally with the request's policy. */
export const nativeSingleSchema = nativeChangeSchema.extend({ policy: policySchema.optional() });

/** `{ target?, policy?, urgent?, changes? }`: a batch; without `changes` it asks for a cycle (a `manual` change). */
export const nativeBatchSchema = z.strictObject({
    target: targetId.optional(),
    policy: policySchema.optional(),
    urgent: z.boolean().optional(),
    changes: z.array(z.unknown()).min(1, 'must list at least one change').optional(),
});

/** The `data` of a CloudEvent or Event Grid event. */
export const eventDataSchema = z.strictObject({ ...hintFields, policy: policySchema.optional() });

const extensionValue = z.union([safeText(1024), z.number(), z.boolean()]);

export const cloudEventSchema = z
    .object({
        specversion: z.literal('1.0', 'must be "1.0"'),
        id: safeText(256),
        source: safeText(1024),
        type: safeText(256),
        subject: safeText(1024).optional(),
        time: z.iso.datetime({ offset: true }).optional(),
        datacontenttype: safeText(128).optional(),
        dataschema: safeText(1024).optional(),
        traceparent: safeText(55).optional(),
        data: z.unknown().optional(),
    })
    .catchall(extensionValue);

export type CloudEventInput = z.infer<typeof cloudEventSchema>;

export const eventGridEventSchema = z.strictObject({
    id: safeText(256),
    eventType: safeText(256),
    subject: safeText(1024),
    eventTime: z.iso.datetime({ offset: true }),
    dataVersion: z.string().max(64),
    metadataVersion: z.string().max(16).optional(),
    topic: safeText(1024).optional(),
    data: z.unknown(),
});

export type EventGridEventInput = z.infer<typeof eventGridEventSchema>;

export const subscriptionValidationSchema = z.object({
    eventType: z.literal('Microsoft.EventGrid.SubscriptionValidationEvent'),
    data: z.object({ validationCode: z.string().min(1).max(512), validationUrl: z.string().max(4096).optional() }),
});

/** `Idempotency-Key`: an opaque token; spaces and metacharacters are refused so it never needs escaping. */
export const idempotencyKeySchema = z
    .string()
    .regex(/^[A-Za-z0-9._:~+/=-]{1,255}$/, 'must be 1-255 characters of A-Z a-z 0-9 . _ : ~ + / = -');
