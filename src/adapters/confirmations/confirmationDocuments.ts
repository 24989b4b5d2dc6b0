import { z } from 'zod';

import type { ObjectProgress } from '../../domain/confirmationProgress';
import type {
    ConfirmationRecord,
    ConfirmationState,
    DirectoryObjectRef,
    LookupFailure,
} from '../../domain/entraConfirmation';

/**
 * The stored shapes of a confirmation (the request table's `entra-confirmation*` partitions), parsed once when read:
 * stored data is input. Records written before objects were kept in chunks (objects inline, no due time, the
 * missing objects listed) still parse; the table store moves their objects into chunks when it first saves them.
 */

const refSchema: z.ZodType<DirectoryObjectRef> = z.object({
    by: z.enum(['immutableId', 'userPrincipalName']),
    value: z.string(),
});

const failureSchema: z.ZodType<LookupFailure> = z.enum([
    'throttled',
    'unavailable',
    'forbidden',
    'badRequest',
    'invalidAnswer',
    'answerTooLarge',
]);

const notVisibleSchema = z.object({
    phase: z.literal('notVisible'),
    reason: z.enum(['exportError', 'cloudObject', 'outOfScope', 'neverSynced', 'lookupFailed']),
    checkedAt: z.number(),
    // Before chunks, the missing objects themselves were listed; their number is what is kept now.
    missing: z.union([z.number().int(), z.array(refSchema).transform((refs) => refs.length)]),
    lookupFailed: z.number().int().default(0),
    lookupFailure: failureSchema.nullable().default(null),
    extraRuns: z.number().int(),
});

const stateSchema: z.ZodType<ConfirmationState> = z.discriminatedUnion('phase', [
    z.object({ phase: z.literal('awaitingRun') }),
    z.object({
        phase: z.literal('checking'),
        round: z.union([z.literal(0), z.literal(1), z.literal(2)]),
        extraRuns: z.number().int(),
        extraRequestId: z.string().nullable(),
    }),
    z.object({
        phase: z.literal('awaitingExtraRun'),
        extraRuns: z.number().int(),
        dueAt: z.number(),
        extraRequestId: z.string().nullable(),
    }),
    z.object({ phase: z.literal('confirmed'), confirmedAt: z.number(), extraRuns: z.number().int() }),
    notVisibleSchema,
    z.object({ phase: z.literal('notApplicable'), because: z.enum(['cycleDidNotSucceed', 'noObject']) }),
]);

/** A confirmation record as stored (its etag is the entity's own). */
export type RecordDocument = Omit<ConfirmationRecord, 'etag'>;

const recordSchema = z.object({
    requestId: z.string(),
    targetId: z.string(),
    correlationId: z.string(),
    acceptedAt: z.number(),
    objectCount: z.number().int().nonnegative(),
    state: stateSchema,
    dueAt: z.number(),
});

/** The record written before chunks: its objects inline, due whenever the timer runs. */
const legacyRecordSchema = z.object({
    requestId: z.string(),
    targetId: z.string(),
    correlationId: z.string(),
    acceptedAt: z.number(),
    objects: z.array(refSchema),
    state: stateSchema,
});

/** A stored record and, for one written before chunks, its inline objects. */
export interface StoredRecord {
    readonly record: RecordDocument;
    readonly legacyObjects: readonly DirectoryObjectRef[] | null;
}

export const storedRecordSchema: z.ZodType<StoredRecord> = z.union([
    recordSchema.transform((record) => ({ record, legacyObjects: null })),
    legacyRecordSchema.transform(({ objects, ...rest }) => ({
        record: { ...rest, objectCount: objects.length, dueAt: rest.acceptedAt },
        legacyObjects: objects,
    })),
]);

const progressSchema: z.ZodType<ObjectProgress> = z.discriminatedUnion('s', [
    z.object({
        s: z.literal('open'),
        answeredRound: z.number().int(),
        cloudObject: z.boolean(),
        failures: z.number().int().nonnegative(),
        failingSince: z.number().nullable(),
        lastFailure: failureSchema.nullable(),
        nextAt: z.number(),
    }),
    z.object({ s: z.literal('found'), at: z.number() }),
    z.object({ s: z.literal('gaveUp'), at: z.number(), failure: failureSchema }),
]);

/** One chunk of a record's objects as stored. */
export const chunkDocumentSchema = z
    .object({ refs: z.array(refSchema), progress: z.array(progressSchema) })
    .refine((c) => c.refs.length === c.progress.length, 'every object has its progress');
