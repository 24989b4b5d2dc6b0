import { z } from 'zod';

import type { KindCounts } from '../../domain/change';
import { CYCLE_OUTCOMES, type CycleOutcome, type CycleReport } from '../../domain/cycleOutcome';
import type { AutomationJobStatus } from '../../domain/jobObservation';
import { LEGACY_EPOCH, type Run, type RunSummary, type TargetState } from '../../domain/targetState';

// Stored JSON is input like any other: it is parsed back into domain types, never cast. The annotations make
// the compiler check that each schema still produces the domain type when the domain changes.

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
const kindCounts: z.ZodType<KindCounts> = z.partialRecord(
    z.enum(['joiner', 'mover', 'leaver', 'attribute', 'group', 'password', 'manual']),
    z.number(),
);
const epochMs = z.number();
/** What a window counted; the open window carries it into its run and the run into its summary. */
const windowTally = {
    changeCount: z.number(),
    urgentCount: z.number(),
    requestCount: z.number(),
    kinds: kindCounts,
    correlationId: z.string(),
};

const cycleReport: z.ZodType<CycleReport> = z.object({
    outcome,
    reason: z.string().optional(),
    exportErrors: z.number(),
    cycleStartedAt: epochMs.optional(),
    cycleEndedAt: epochMs.optional(),
    importStartedAt: epochMs.optional(),
    connectors: z
        .array(
            z.object({
                connector: z.string(),
                runProfile: z.string(),
                result: z.string(),
                adds: z.number().optional(),
                updates: z.number().optional(),
                deletes: z.number().optional(),
                errors: z.number().optional(),
            }),
        )
        .optional(),
});

/** A finished run as stored in the target's history and in the run rows. */
export const runSummarySchema: z.ZodType<RunSummary> = z.object({
    targetId: z.string(),
    seq: z.number().int(),
    attempts: z.number().int(),
    policy,
    jobName: z.string().nullable(),
    ...windowTally,
    firstChangeAt: epochMs,
    firstUrgentAt: epochMs.nullable(),
    windowClosedAt: epochMs,
    jobCreatedAt: epochMs.nullable(),
    jobStartedAt: epochMs.nullable(),
    endedAt: epochMs,
    outcome,
    reason: z.string().nullable(),
    exportErrors: z.number(),
    lastStatus: jobStatus.nullable(),
    report: cycleReport.nullable(),
    // Absent in runs stored before runs could be joined: nothing was carried.
    carried: z.object({ to: z.number().int(), from: epochMs, changeCount: z.number() }).nullable().default(null),
});

const openWindow = z.object({
    seq: z.number().int(),
    policy,
    firstChangeAt: epochMs,
    lastChangeAt: epochMs,
    firstUrgentAt: epochMs.nullable(),
    // Absent in windows stored before the lead rule: they keep the window rule they were opened under.
    lead: z.boolean().default(false),
    ...windowTally,
});

// Each phase carries only its fields; runs stored before the union (one flat record with nulls) parse too: the
// fields a phase does not have are dropped, and the ones it has were always set in that phase.
const runBase = {
    seq: z.number().int(),
    attempt: z.number().int(),
    policy,
    ...windowTally,
    firstChangeAt: epochMs,
    firstUrgentAt: epochMs.nullable(),
    windowClosedAt: epochMs,
    lastError: z.string().nullable(),
    // The two below are absent in runs stored before runs could be joined: such a run took no change after its
    // window closed (filled in by `withJoinDefaults`).
    joinedSince: epochMs.optional(),
    joins: z
        .array(
            z.object({
                policy,
                firstAt: epochMs,
                lastAt: epochMs,
                firstUrgentAt: epochMs.nullable(),
                changeCount: z.number(),
                urgentCount: z.number(),
                requestCount: z.number(),
                kinds: kindCounts,
            }),
        )
        .default([]),
};
const jobFacts = {
    jobName: z.string(),
    jobCreatedAt: epochMs,
    // Absent in runs stored before it existed: the timeout counted from the job's creation.
    timeoutFrom: epochMs.optional(),
    jobStartedAt: epochMs.nullable(),
    lastStatus: jobStatus.nullable(),
    nextPollAt: epochMs,
    // Absent in runs stored before it existed: no poll known, so one is taken before any stop.
    lastPollAt: epochMs.nullable().default(null),
    polls: z.number().int(),
    workerOfflineReported: z.boolean(),
    attentionSince: epochMs.nullable(),
};
const storedRun = z.discriminatedUnion('phase', [
    z.object({
        phase: z.literal('starting'),
        ...runBase,
        startDueAt: epochMs,
        startFailures: z.number().int(),
        // Absent in runs stored before runs could be queued: such a run started on its own.
        notBefore: epochMs.nullable().default(null),
    }),
    z.object({ phase: z.literal('active'), ...runBase, ...jobFacts }),
    z.object({
        phase: z.literal('stopping'),
        ...runBase,
        ...jobFacts,
        stopRequestedAt: epochMs,
        stopReason: outcome,
    }),
]);
const run: z.ZodType<Run> = storedRun.transform(withJoinDefaults);

function withJoinDefaults(stored: z.output<typeof storedRun>): Run {
    const joinedSince = stored.joinedSince ?? stored.windowClosedAt;
    if (stored.phase === 'starting') return { ...stored, joinedSince };
    return { ...stored, joinedSince, timeoutFrom: stored.timeoutFrom ?? stored.jobCreatedAt };
}

/** A target's whole state as stored in its entity. */
export const targetStateSchema: z.ZodType<TargetState> = z.object({
    targetId: z.string(),
    // Absent in states stored before epochs existed; the coordinator assigns one under the ETag.
    epoch: z.string().default(LEGACY_EPOCH),
    nextSeq: z.number().int(),
    window: openWindow.nullable(),
    run: run.nullable(),
    // Absent in states stored before runs could be queued: none was.
    trail: run.nullable().default(null),
    lastRunStartedAt: epochMs.nullable(),
    wake: z.object({ token: z.string(), at: epochMs }).nullable(),
    wakeCounter: z.number().int(),
    history: z.array(runSummarySchema),
    recentRequests: z.array(z.object({ requestId: z.string(), seq: z.number().int() })),
    lastInitialAcceptedAt: epochMs.nullable(),
});
