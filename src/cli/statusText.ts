import { z } from 'zod';

import { instant, serverText } from './serverText';

/**
 * The status answer (`GET /api/status`, schema `StatusOverview` in openapi/openapi.json), as far as the CLI reads it.
 * Every string is a {@link serverText} and every time an {@link instant}: what is printed is safe by construction.
 */
const runSchema = z.object({
    seq: z.number(),
    outcome: serverText,
    outcomeClass: z.enum(['succeeded', 'partiallySucceeded', 'skipped', 'failed']),
    startedAt: instant,
    endedAt: instant,
    durationSeconds: z.number(),
    waitSeconds: z.number(),
    changeCount: z.number(),
    reason: serverText.nullable(),
});

const currentRunSchema = z.object({
    seq: z.number(),
    attempt: z.number(),
    phase: serverText,
    policy: serverText,
    jobName: serverText.nullable(),
    jobStatus: serverText.nullable(),
    changeCount: z.number(),
    sinceSeconds: z.number(),
    workerOffline: z.boolean(),
    needsAttention: z.boolean(),
    lastError: serverText.nullable(),
});

const targetSchema = z.object({
    targetId: serverText,
    health: z.enum(['healthy', 'warning', 'failing', 'unknown']),
    // A newer server may add words: shown as sent (made safe), not refused.
    activity: serverText,
    lastSuccessAt: instant.nullable(),
    window: z
        .object({
            seq: z.number(),
            policy: serverText,
            ageSeconds: z.number(),
            changeCount: z.number(),
            urgentCount: z.number(),
            requestCount: z.number(),
            expectedStartAt: instant,
        })
        .nullable(),
    run: currentRunSchema.nullable(),
    // Absent from a server older than the queued run.
    queued: currentRunSchema.nullable().default(null),
    lastRuns: z.array(runSchema),
});

export const statusOverviewSchema = z.object({ generatedAt: instant, targets: z.array(targetSchema) });

export type StatusOverview = z.infer<typeof statusOverviewSchema>;
type TargetOverview = StatusOverview['targets'][number];
type RunOverview = TargetOverview['lastRuns'][number];

/** Colours for a terminal; {@link NO_COLOUR} when NO_COLOR is set or the output is not a terminal. */
export interface Palette {
    readonly ok: (text: string) => string;
    readonly warn: (text: string) => string;
    readonly bad: (text: string) => string;
    readonly dim: (text: string) => string;
    readonly bold: (text: string) => string;
}

const sgr =
    (code: string) =>
    (text: string): string =>
        `\u001b[${code}m${text}\u001b[0m`;

export const ANSI_COLOUR: Palette = { ok: sgr('32'), warn: sgr('33'), bad: sgr('31'), dim: sgr('2'), bold: sgr('1') };

const plain = (text: string): string => text;
export const NO_COLOUR: Palette = { ok: plain, warn: plain, bad: plain, dim: plain, bold: plain };

/** 24 hours in 30-minute steps: one character each. */
const SLOTS = 48;
const SLOT_MS = 30 * 60_000;
const DAY_MS = SLOTS * SLOT_MS;

/** What a timeline character means; a slot with several cycles shows the worst. */
const MARK: Record<RunOverview['outcomeClass'] | 'none' | 'running', string> = {
    none: '.',
    succeeded: 'o',
    partiallySucceeded: '!',
    skipped: '!',
    failed: 'X',
    running: '>',
};
const SEVERITY: readonly RunOverview['outcomeClass'][] = ['succeeded', 'partiallySucceeded', 'skipped', 'failed'];

/** `45s`, `3m05s`, `2h05m`. */
function shortDuration(totalSeconds: number): string {
    const s = Math.max(0, Math.round(totalSeconds));
    const two = (n: number): string => String(n).padStart(2, '0');
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
    return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
}

/** `08:25` on the day of the answer, `01-04 23:55` before it (UTC). */
function shortTime(isoTime: string, reportTime: string): string {
    return isoTime.slice(0, 10) === reportTime.slice(0, 10)
        ? isoTime.slice(11, 16)
        : `${isoTime.slice(5, 10)} ${isoTime.slice(11, 16)}`;
}

/**
 * The last 24 hours, one character per 30 minutes, oldest left: `.` no cycle ended, `o` succeeded, `!` export
 * errors or skipped, `X` failed, `>` a cycle running now.
 * @param target - the target
 * @param generatedAt - the answer's time
 * @param colour - the palette
 */
export function timelineText(target: TargetOverview, generatedAt: string, colour: Palette): string {
    const now = Date.parse(generatedAt);
    const worst: (RunOverview['outcomeClass'] | null)[] = Array.from({ length: SLOTS }, () => null);
    for (const run of target.lastRuns) {
        const age = now - Date.parse(run.endedAt);
        if (age < 0 || age >= DAY_MS) continue;
        const slot = SLOTS - 1 - Math.floor(age / SLOT_MS);
        const current = worst[slot];
        if (
            current === null ||
            current === undefined ||
            SEVERITY.indexOf(run.outcomeClass) > SEVERITY.indexOf(current)
        ) {
            worst[slot] = run.outcomeClass;
        }
    }
    const paint: Record<string, (t: string) => string> = {
        succeeded: colour.ok,
        partiallySucceeded: colour.warn,
        skipped: colour.warn,
        failed: colour.bad,
    };
    const cells = worst.map((c) => (c === null ? colour.dim(MARK.none) : (paint[c] ?? plain)(MARK[c])));
    if (target.run !== null) cells[SLOTS - 1] = colour.bold(MARK.running);
    return `-24h ${cells.join('')} now`;
}

const HEALTH_WORD: Record<TargetOverview['health'], string> = {
    healthy: 'HEALTHY',
    warning: 'WARNING',
    failing: 'FAILING',
    unknown: 'NO RUNS YET',
};

function healthWord(health: TargetOverview['health'], colour: Palette): string {
    const word = HEALTH_WORD[health];
    if (health === 'healthy') return colour.ok(word);
    if (health === 'warning') return colour.warn(word);
    if (health === 'failing') return colour.bad(word);
    return colour.dim(word);
}

function outcomeText(run: RunOverview, colour: Palette): string {
    const text = run.outcome.slice(0, 26).padEnd(26);
    if (run.outcomeClass === 'failed') return colour.bad(text);
    if (run.outcomeClass === 'succeeded') return colour.ok(text);
    return colour.warn(text);
}

const ACTIVITY_WORDS: Readonly<Record<string, string>> = {
    idle: 'idle',
    waiting: 'changes waiting',
    running: 'cycle running',
    waitingAndRunning: 'cycle running, more changes waiting',
    workerOffline: 'no cycle running: the Hybrid Worker is offline, the job waits in its queue',
    needsAttention: 'no cycle running: the job needs attention (suspended, blocked or disconnected)',
};

/** The changes column holds a bulk count whole (up to 9,999,999 aligned; a terminal has the room a phone lacks). */
const CHG_WIDTH = 7;

function targetText(t: TargetOverview, generatedAt: string, colour: Palette): string[] {
    const lastSuccess = t.lastSuccessAt === null ? 'none recently' : `${shortTime(t.lastSuccessAt, generatedAt)} UTC`;
    const lines = [
        `${colour.bold(t.targetId)}  ${healthWord(t.health, colour)}  ${ACTIVITY_WORDS[t.activity] ?? t.activity} · last success ${lastSuccess}`,
    ];
    const w = t.window;
    if (w !== null) {
        lines.push(
            `  window #${w.seq}: ${w.changeCount} change(s) (${w.urgentCount} urgent) from ${w.requestCount} request(s), ${w.policy}, open ${shortDuration(w.ageSeconds)}, starts ${shortTime(w.expectedStartAt, generatedAt)} UTC`,
        );
    }
    for (const [r, queued] of [
        [t.run, false],
        [t.queued, true],
    ] as const) {
        if (r === null) continue;
        const job = r.jobName === null ? 'no job yet' : `job ${r.jobStatus ?? 'created'}`;
        const what = queued ? 'queued behind it, waits for the running cycle' : r.phase;
        lines.push(
            `  run #${r.seq}: ${what} (${job}) for ${shortDuration(r.sinceSeconds)}, attempt ${r.attempt}, ${r.policy}, ${r.changeCount} change(s)`,
        );
        if (r.workerOffline) lines.push(`    ${colour.bad('Hybrid Worker offline: the job is still queued')}`);
        if (r.needsAttention)
            lines.push(`    ${colour.bad('the job needs attention (suspended, blocked or disconnected)')}`);
        if (r.lastError !== null) lines.push(`    ${colour.bad(`last error: ${r.lastError}`)}`);
    }
    lines.push(`  ${timelineText(t, generatedAt, colour)}`);
    if (t.lastRuns.length === 0) {
        lines.push('  no finished runs yet');
        return lines;
    }
    lines.push(
        colour.dim(
            `  ${'Ended'.padEnd(11)}  ${'Outcome'.padEnd(26)}  ${'Took'.padStart(6)}  ${'Chg'.padStart(CHG_WIDTH)}  ${'Chg→end'.padStart(7)}`,
        ),
    );
    for (const run of t.lastRuns) {
        lines.push(
            `  ${shortTime(run.endedAt, generatedAt).padEnd(11)}  ${outcomeText(run, colour)}  ${shortDuration(
                run.durationSeconds,
            ).padStart(
                6,
            )}  ${String(run.changeCount).padStart(CHG_WIDTH)}  ${shortDuration(run.waitSeconds).padStart(7)}`,
        );
        if (run.reason !== null && run.reason !== '') lines.push(`      ${colour.dim(`↳ ${run.reason}`)}`);
    }
    return lines;
}

/**
 * The status as terminal text: per target a verdict line, the open window and current run when there are any, a
 * 24-hour timeline, and a compact table of runs with reasons where present.
 * @param overview - the parsed status answer
 * @param colour - the palette
 */
export function statusText(overview: StatusOverview, colour: Palette): string {
    const header = colour.dim(
        `Entra Connect sync status at ${overview.generatedAt.slice(0, 16).replace('T', ' ')} UTC (timeline: o ok, ! warning, X failed, > running, . none; one character = 30 min)`,
    );
    const targets =
        overview.targets.length === 0
            ? ['No targets are configured.']
            : overview.targets.flatMap((t, i) => [
                  ...(i === 0 ? [] : ['']),
                  ...targetText(t, overview.generatedAt, colour),
              ]);
    return `${[header, '', ...targets].join('\n')}\n`;
}
