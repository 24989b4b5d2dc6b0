import { z } from 'zod';

import { CHANGE_KINDS } from '../../domain/change';
import { SYNC_POLICIES } from '../../domain/policy';
import { ATTRIBUTE_NAME, isCeInteger, isCeString, isRfc3339, isUri, isUriReference } from './cloudEventTypes';
import { IDENTIFIER_MESSAGE, isCleanIdentifier, upnSuffixRoutesAsItReads } from './identifiers';

/**
 * Characters that have no place in AD names, ids or routing hints but do in shells and HTML. These fields are
 * only ever used for routing and telemetry, never on a command line; refusing them keeps it that way and keeps
 * the status page and logs free of markup.
 */
const FORBIDDEN = /[`$|;<>&"\\\u0000-\u001f\u007f]/;

/**
 * A bounded identifier free of shell and markup metacharacters and of the invisible, bidirectional and control
 * characters of {@link isCleanIdentifier}. For change fields only; event attributes follow their own spec.
 * @param max - the longest accepted length
 */
const safeText = (max: number) =>
    z
        .string()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .refine((v) => !FORBIDDEN.test(v), 'contains characters that are not accepted (` $ | ; < > & " \\ or control)')
        .refine(isCleanIdentifier, IDENTIFIER_MESSAGE);

/** A distinguished name may escape `,` `+` `=` with a backslash; everything else in {@link safeText} still holds. */
const distinguishedName = z
    .string()
    .min(3)
    .max(2048, 'must be at most 2048 characters')
    .refine((v) => !/[`$|;<>&"\u0000-\u001f\u007f]/.test(v), 'contains characters that are not accepted')
    .refine(isCleanIdentifier, IDENTIFIER_MESSAGE)
    .refine((v) => /=/.test(v), 'must be a distinguished name (CN=…,DC=…)');

const targetId = z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a target id (lowercase letters, digits, dashes)');
const upn = safeText(256)
    .refine((v) => /^[^\s@]+@[^\s@]+$/.test(v), 'must be a user principal name (name@suffix)')
    .refine(
        upnSuffixRoutesAsItReads,
        'the UPN suffix has a compatibility form (fullwidth or similar characters); send the plain suffix',
    );
const domain = safeText(255).refine((v) => /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(v), 'must be a domain name');
const objectId = safeText(128);
const policySchema = z.enum(SYNC_POLICIES);
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

/*
 * CloudEvents and Event Grid attributes are validated by their type in the CloudEvents 1.0 type system
 * (cloudEventTypes.ts), not by the change-field block-list: `;`, `&`, `$` or a query string are legal in an id, a
 * subject or a source, and refusing them loses events (Event Grid does not retry a 400). Lengths stay bounded.
 */

/**
 * A CloudEvents `String` of at most `max` characters.
 * @param min - 1 where the spec says "MUST be a non-empty string"
 * @param max - the longest accepted length
 */
const ceString = (min: number, max: number) =>
    z
        .string()
        .min(min, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .refine(
            isCeString,
            'must be a CloudEvents String (no control characters, noncharacters or unpaired surrogates)',
        );

const ceUriReference = z
    .string()
    .min(1, 'must not be empty')
    .max(1024, 'must be at most 1024 characters')
    .refine(isUriReference, 'must be a URI-reference (RFC 3986 §4.1)');

const ceUri = z
    .string()
    .min(1, 'must not be empty')
    .max(1024, 'must be at most 1024 characters')
    .refine(isUri, 'must be an absolute URI (RFC 3986 §4.3)');

const ceTimestamp = z.string().max(64).refine(isRfc3339, 'must be an RFC 3339 timestamp');

/** An extension value: JSON string (String, URI, URI-reference, Timestamp, Binary all map to it), Integer or Boolean. */
const extensionValue = z.union(
    [ceString(0, 1024), z.number().refine(isCeInteger, 'must be a CloudEvents Integer (32-bit, whole)'), z.boolean()],
    'must be a CloudEvents String, Integer or Boolean',
);

const CONTEXT_ATTRIBUTES = new Set([
    'specversion',
    'id',
    'source',
    'type',
    'subject',
    'time',
    'datacontenttype',
    'dataschema',
    'data',
    'data_base64',
]);

/**
 * JSON format §2.2: "When decoding attributes and a null value is encountered, it MUST be treated as the equivalent
 * of unset or omitted." `data: null` is an explicit null payload and stays.
 */
function withoutNullAttributes(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== null || k === 'data'));
}

export const cloudEventSchema = z.preprocess(
    withoutNullAttributes,
    z
        .object({
            specversion: z.literal('1.0', 'must be "1.0"'),
            id: ceString(1, 256),
            source: ceUriReference,
            type: ceString(1, 256),
            subject: ceString(1, 1024).optional(),
            time: ceTimestamp.optional(),
            datacontenttype: ceString(1, 128).optional(),
            dataschema: ceUri.optional(),
            traceparent: ceString(1, 55).optional(),
            data: z.unknown().optional(),
        })
        .catchall(extensionValue)
        .superRefine((event, ctx) => {
            for (const name of Object.keys(event)) {
                if (name === 'data_base64') {
                    ctx.addIssue({
                        code: 'custom',
                        path: [name],
                        message: 'binary data is not accepted; send data as JSON',
                    });
                } else if (!CONTEXT_ATTRIBUTES.has(name) && !ATTRIBUTE_NAME.test(name)) {
                    ctx.addIssue({
                        code: 'custom',
                        path: [name],
                        message: 'is not a CloudEvents attribute name (a-z, 0-9, at most 20)',
                    });
                }
            }
        }),
);

/**
 * The Event Grid event schema: `id`, `subject`, `eventType`, `eventTime` required; `topic` and `metadataVersion`
 * are stamped by Event Grid (`metadataVersion` is "1"), `dataVersion` is stamped empty when the publisher sends
 * none. Strings follow the CloudEvents `String` rule (Event Grid maps its events to CloudEvents).
 */
export const eventGridEventSchema = z.strictObject({
    id: ceString(1, 256),
    eventType: ceString(1, 256),
    subject: ceString(1, 1024),
    eventTime: ceTimestamp,
    dataVersion: ceString(0, 64).optional(),
    metadataVersion: z.literal('1', 'must be "1"').optional(),
    topic: ceString(1, 1024).optional(),
    data: z.unknown().optional(),
});

export const subscriptionValidationSchema = z.object({
    eventType: z.literal('Microsoft.EventGrid.SubscriptionValidationEvent'),
    data: z.object({ validationCode: z.string().min(1).max(512), validationUrl: z.string().max(4096).optional() }),
});

/** `Idempotency-Key`: an opaque token; spaces and metacharacters are refused so it never needs escaping. */
export const idempotencyKeySchema = z
    .string()
    .regex(/^[A-Za-z0-9._:~+/=-]{1,255}$/, 'must be 1-255 characters of A-Z a-z 0-9 . _ : ~ + / = -');
