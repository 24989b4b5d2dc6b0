import { z } from 'zod';

import { CHANGE_KINDS } from '../../domain/change';
import { CYCLE_OUTCOMES, type CycleOutcome, type CycleReport } from '../../domain/cycleOutcome';
import type { AutomationJobStatus } from '../../domain/jobObservation';
import type { Tally } from '../../domain/tally';
import type { Run, RunSummary, TargetState } from '../../domain/targetState';
import { runSummaryFromV0, targetStateFromV0 } from './targetStateV0';

/*
 * Stored JSON is input like any other: it is parsed back into domain types, never cast. Every stored document
 * carries `schemaVersion`; a document of an older version is migrated once, on reading, by that version's one
 * migration function (targetStateV0.ts), and the schema of the current version has no defaults for absent fields.
 * The annotations make the compiler check that each schema still produces the domain type when the domain changes.
 */

/** The version every document is written with. Bump it, and add a migration from the one before, on any change. */
export const STORED_STATE_VERSION = 1;

const policy = z.enum(['Delta', 'Initial']);
// The domain's list is the one source: a new outcome is accepted in storage as soon as the engine can produce it.
const outcome = z.custom<CycleOutcome>(
    (value) => typeof value === 'string' && CYCLE_OUTCOMES.some((known) => known === value),
    { message: 'unknown cycle outcome' },
);
const jobStatus: z.ZodType<AutomationJobStatus> = z.enum([
    'New',
    'Activating',
    'Running',
    'Completed',
    'Failed',
    'Stopped',
    'Blocked',
    'Suspended',
    'Disconnected',
    'Suspending',
    'Stopping',
    'Resuming',
    'Removing',
]);
const epochMs = z.number();
const count = z.number().int().min(0);

const tally: z.ZodType<Tally> = z.object({
    policy,
    changeCount: count,
    urgentCount: count,
    requestCount: count,
    kinds: z.partialRecord(z.enum(CHANGE_KINDS), count),
    firstUrgentAt: epochMs.nullable(),
});

const cycleReport: z.ZodType<CycleReport> = z.object({
    outcome,
    reason: z.string().optional(),
    exportErrors: count,
    cycleStartedAt: epochMs.optional(),
    cycleEndedAt: epochMs.optional(),
    importStartedAt: epochMs.optional(),
    connectors: z
        .array(
            z.object({
                connector: z.string(),
                runProfile: z.string(),
                result: z.string(),
                adds: count.optional(),
                updates: count.optional(),
                deletes: count.optional(),
                errors: count.optional(),
            }),
        )
        .optional(),
    stop: z.enum(['confirmed', 'unconfirmed']).optional(),
});

const closedWindow = {
    seq: z.number().int(),
    tally,
    correlationId: z.string(),
    firstChangeAt: epochMs,
    windowClosedAt: epochMs,
};

const runSummary: z.ZodType<RunSummary> = z.object({
    ...closedWindow,
    targetId: z.string(),
    attempts: z.number().int(),
    job: z
        .object({
            name: z.string(),
            createdAt: epochMs,
            startedAt: epochMs.nullable(),
            lastStatus: jobStatus.nullable(),
        })
        .nullable(),
    endedAt: epochMs,
    report: cycleReport,
    carried: z.object({ to: z.number().int(), from: epochMs, changeCount: count }).nullable(),
});

const runBase = {
    ...closedWindow,
    attempt: z.number().int(),
    lastError: z.string().nullable(),
    joinedSince: epochMs,
    joins: z.array(z.object({ tally, firstAt: epochMs, lastAt: epochMs })),
};
const jobFacts = {
    jobName: z.string(),
    jobCreatedAt: epochMs,
    timeoutFrom: epochMs,
    jobStartedAt: epochMs.nullable(),
    lastStatus: jobStatus.nullable(),
    nextPollAt: epochMs,
    lastPollAt: epochMs.nullable(),
    polls: z.number().int(),
    workerOfflineReported: z.boolean(),
    attentionSince: epochMs.nullable(),
};
const run: z.ZodType<Run> = z.discriminatedUnion('phase', [
    z.object({
        phase: z.literal('starting'),
        ...runBase,
        startDueAt: epochMs,
        startFailures: z.number().int(),
        notBefore: epochMs.nullable(),
    }),
    z.object({ phase: z.literal('active'), ...runBase, ...jobFacts }),
    z.object({ phase: z.literal('stopping'), ...runBase, ...jobFacts, stopRequestedAt: epochMs, stopReason: outcome }),
]);

const targetState: z.ZodType<TargetState> = z.object({
    targetId: z.string(),
    epoch: z.string().min(1),
    nextSeq: z.number().int(),
    window: z
        .object({
            seq: z.number().int(),
            tally,
            firstChangeAt: epochMs,
            lastChangeAt: epochMs,
            lead: z.boolean(),
            correlationId: z.string(),
        })
        .nullable(),
    runs: z.object({ ahead: run, queued: run.nullable() }).nullable(),
    spacingFrom: epochMs.nullable(),
    wake: z.object({ token: z.string(), at: epochMs }).nullable(),
    wakeCounter: z.number().int(),
    history: z.array(runSummary),
    recentRequests: z.array(z.object({ requestId: z.string(), seq: z.number().int() })),
    lastInitialAcceptedAt: epochMs.nullable(),
});

/**
 * A stored document of the current version, or one migrated to it: a document without `schemaVersion` was written
 * by 0.1.0 (version 0) and goes through that version's migration first. A newer version than this code knows is
 * refused: a rollback must not read what it cannot understand.
 */
function versioned<T>(current: z.ZodType<T>, fromV0: (document: unknown) => unknown): z.ZodType<T> {
    return z.preprocess((document, ctx) => {
        const migrated = hasVersion(document) ? document : fromV0(document);
        if (!hasVersion(migrated)) return migrated;
        const { schemaVersion, ...rest } = migrated;
        if (schemaVersion === STORED_STATE_VERSION) return rest;
        ctx.addIssue({ code: 'custom', message: `unsupported schemaVersion ${String(schemaVersion)}` });
        return z.NEVER;
    }, current);
}

function hasVersion(document: unknown): document is { readonly schemaVersion: unknown } {
    return typeof document === 'object' && document !== null && 'schemaVersion' in document;
}

/** A target's whole state as stored in its entity. */
export const targetStateSchema = versioned(targetState, targetStateFromV0);

/** A finished run as stored in the run rows. */
export const runSummarySchema = versioned(runSummary, runSummaryFromV0);

/**
 * The document stored for a value: the value with the version it is written in.
 * @param value - a target state or a finished run
 */
export function storedDocument(value: TargetState | RunSummary): Readonly<Record<string, unknown>> {
    return { schemaVersion: STORED_STATE_VERSION, ...value };
}
