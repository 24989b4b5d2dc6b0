import { createHash } from 'node:crypto';

import { z } from 'zod';

import { CHANGE_KINDS } from '../../domain/change';
import { CYCLE_OUTCOMES, type CycleOutcome } from '../../domain/cycleOutcome';

/*
 * Version 0: the documents 0.1.0 wrote, before `schemaVersion` existed. Each is read with the rules 0.1.0 read it
 * with (fields it added over time are absent in older documents, with the defaults below) and migrated to
 * version 1: the counts of a window, run or join become one `tally`, a run's `run`/`trail` become the pipeline
 * `runs`, `lastRunStartedAt` becomes `spacingFrom`, and a finished run keeps its report instead of copies of it.
 * A document that does not read as version 0 is handed on unchanged, so the current schema names what is wrong.
 */

const policy = z.enum(['Delta', 'Initial']);
const outcome = z.custom<CycleOutcome>(
    (value) => typeof value === 'string' && CYCLE_OUTCOMES.some((known) => known === value),
    { message: 'unknown cycle outcome' },
);
const epochMs = z.number();
const kinds = z.partialRecord(z.enum(CHANGE_KINDS), z.number());
const counts = { changeCount: z.number(), urgentCount: z.number(), requestCount: z.number(), kinds };
const windowCounts = { ...counts, correlationId: z.string() };

const report = z.looseObject({ outcome, exportErrors: z.number() });

const summary = z.object({
    targetId: z.string(),
    seq: z.number().int(),
    attempts: z.number().int(),
    policy,
    jobName: z.string().nullable(),
    ...windowCounts,
    firstChangeAt: epochMs,
    firstUrgentAt: epochMs.nullable(),
    windowClosedAt: epochMs,
    jobCreatedAt: epochMs.nullable(),
    jobStartedAt: epochMs.nullable(),
    endedAt: epochMs,
    outcome,
    reason: z.string().nullable(),
    exportErrors: z.number(),
    lastStatus: z.string().nullable(),
    report: report.nullable(),
    // Absent in runs stored before runs could be joined: nothing was carried.
    carried: z.object({ to: z.number().int(), from: epochMs, changeCount: z.number() }).nullable().default(null),
});

const window = z.object({
    seq: z.number().int(),
    policy,
    firstChangeAt: epochMs,
    lastChangeAt: epochMs,
    firstUrgentAt: epochMs.nullable(),
    // Absent in windows stored before the lead rule: they keep the window rule they were opened under.
    lead: z.boolean().default(false),
    ...windowCounts,
});

const join = z.object({ policy, firstAt: epochMs, lastAt: epochMs, firstUrgentAt: epochMs.nullable(), ...counts });

// Runs stored before the union by phase (one flat record with nulls) parse too: a phase's fields were always set.
const runBase = {
    seq: z.number().int(),
    attempt: z.number().int(),
    policy,
    ...windowCounts,
    firstChangeAt: epochMs,
    firstUrgentAt: epochMs.nullable(),
    windowClosedAt: epochMs,
    lastError: z.string().nullable(),
    // Absent in runs stored before runs could be joined: such a run took no change after its window closed.
    joinedSince: epochMs.optional(),
    joins: z.array(join).default([]),
};
const jobFacts = {
    jobName: z.string(),
    jobCreatedAt: epochMs,
    // Absent in runs stored before it existed: the timeout counted from the job's creation.
    timeoutFrom: epochMs.optional(),
    jobStartedAt: epochMs.nullable(),
    lastStatus: z.string().nullable(),
    nextPollAt: epochMs,
    // Absent in runs stored before it existed: no poll known, so one is taken before any stop.
    lastPollAt: epochMs.nullable().default(null),
    polls: z.number().int(),
    workerOfflineReported: z.boolean(),
    attentionSince: epochMs.nullable(),
};
const run = z.discriminatedUnion('phase', [
    z.looseObject({
        phase: z.literal('starting'),
        ...runBase,
        startDueAt: epochMs,
        startFailures: z.number().int(),
        // Absent in runs stored before runs could be queued: such a run started on its own.
        notBefore: epochMs.nullable().default(null),
    }),
    z.looseObject({ phase: z.literal('active'), ...runBase, ...jobFacts }),
    z.looseObject({
        phase: z.literal('stopping'),
        ...runBase,
        ...jobFacts,
        stopRequestedAt: epochMs,
        stopReason: outcome,
    }),
]);

const state = z.object({
    targetId: z.string(),
    // Absent in states stored before epochs existed (see `epochFor`).
    epoch: z.string().default(''),
    nextSeq: z.number().int(),
    window: window.nullable(),
    run: run.nullable(),
    // Absent in states stored before runs could be queued: none was.
    trail: run.nullable().default(null),
    lastRunStartedAt: epochMs.nullable(),
    wake: z.object({ token: z.string(), at: epochMs }).nullable(),
    wakeCounter: z.number().int(),
    history: z.array(summary),
    recentRequests: z.array(z.object({ requestId: z.string(), seq: z.number().int() })),
    lastInitialAcceptedAt: epochMs.nullable(),
});

type Counted = z.infer<typeof join> | z.infer<typeof window> | z.infer<typeof summary> | z.infer<typeof run>;

function tallyOf(counted: Counted): Record<string, unknown> {
    const { policy: p, changeCount, urgentCount, requestCount, kinds: k, firstUrgentAt } = counted;
    return { policy: p, changeCount, urgentCount, requestCount, kinds: k, firstUrgentAt };
}

function runV1(stored: z.infer<typeof run>): Record<string, unknown> {
    const {
        policy: _p,
        changeCount: _c,
        urgentCount: _u,
        requestCount: _r,
        kinds: _k,
        firstUrgentAt: _f,
        ...rest
    } = stored;
    const joins = stored.joins.map((j) => ({ tally: tallyOf(j), firstAt: j.firstAt, lastAt: j.lastAt }));
    const joinedSince = stored.joinedSince ?? stored.windowClosedAt;
    const migrated = { ...rest, tally: tallyOf(stored), joins, joinedSince };
    return stored.phase === 'starting'
        ? migrated
        : { ...migrated, timeoutFrom: stored.timeoutFrom ?? stored.jobCreatedAt };
}

function summaryV1(stored: z.infer<typeof summary>): Record<string, unknown> {
    const { jobName, jobCreatedAt, jobStartedAt, lastStatus } = stored;
    const job =
        jobName === null || jobCreatedAt === null
            ? null
            : { name: jobName, createdAt: jobCreatedAt, startedAt: jobStartedAt, lastStatus };
    const reason = stored.reason === null ? {} : { reason: stored.reason };
    const fallback = { outcome: stored.outcome, exportErrors: stored.exportErrors, ...reason };
    return {
        schemaVersion: 1,
        seq: stored.seq,
        tally: tallyOf(stored),
        correlationId: stored.correlationId,
        firstChangeAt: stored.firstChangeAt,
        windowClosedAt: stored.windowClosedAt,
        targetId: stored.targetId,
        attempts: stored.attempts,
        job,
        endedAt: stored.endedAt,
        report: stored.report ?? fallback,
        carried: stored.carried,
    };
}

/**
 * A state stored before epochs existed named its jobs from target, seq and attempt only; it gets an epoch derived
 * from what it holds, so every reading of the same document gives the same one until it is saved. (A run that was
 * starting under the old naming when 0.1.0 was replaced repeats its create under the new name.)
 */
function epochFor(stored: z.infer<typeof state>): string {
    if (stored.epoch !== '') return stored.epoch;
    return createHash('sha256').update(`${stored.targetId}/${stored.nextSeq}`).digest('hex').slice(0, 8);
}

/**
 * A version 0 target state as version 1, or the document unchanged when it is not a version 0 state.
 * @param document - the stored document
 */
export function targetStateFromV0(document: unknown): unknown {
    const parsed = state.safeParse(document);
    if (!parsed.success) return document;
    const s = parsed.data;
    const window = s.window === null ? null : { ...pick(s.window), tally: tallyOf(s.window), lead: s.window.lead };
    return {
        schemaVersion: 1,
        targetId: s.targetId,
        epoch: epochFor(s),
        nextSeq: s.nextSeq,
        window,
        runs: s.run === null ? null : { ahead: runV1(s.run), queued: s.trail === null ? null : runV1(s.trail) },
        spacingFrom: s.lastRunStartedAt,
        wake: s.wake,
        wakeCounter: s.wakeCounter,
        history: s.history.map((h) => {
            const { schemaVersion: _v, ...migrated } = summaryV1(h);
            return migrated;
        }),
        recentRequests: s.recentRequests,
        lastInitialAcceptedAt: s.lastInitialAcceptedAt,
    };
}

function pick(w: z.infer<typeof window>): Record<string, unknown> {
    return { seq: w.seq, firstChangeAt: w.firstChangeAt, lastChangeAt: w.lastChangeAt, correlationId: w.correlationId };
}

/**
 * A version 0 finished run as version 1, or the document unchanged when it is not a version 0 run.
 * @param document - the stored document
 */
export function runSummaryFromV0(document: unknown): unknown {
    const parsed = summary.safeParse(document);
    return parsed.success ? summaryV1(parsed.data) : document;
}
