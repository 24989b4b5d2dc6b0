import { Cron } from 'croner';

/**
 * The NCRONTAB schedules of Azure Functions timer triggers: six fields, seconds first
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`), in UTC (the Functions default; this app sets no
 * WEBSITE_TIME_ZONE), a day matching only when both its day-of-month and its day-of-week field match, as NCrontab
 * (the host's parser) checks them. croner evaluates them.
 */
export interface Schedule {
    /** The first matching time strictly after `after` (epoch ms), or null if there is none. */
    nextAfter(after: number): number | null;
}

/**
 * One comma-separated part of a field as NCRONTAB writes it: `*`, a number or a three-letter name, a range, a step.
 * croner also reads its own extensions (`L`, `W`, `#`, `?`, `+`, `@daily`); refusing them here means a schedule the
 * local host runs is one the Functions host accepts.
 */
const NCRONTAB_PART = /^(?:\*|\d+|[a-z]{3})(?:-(?:\d+|[a-z]{3}))?(?:\/\d+)?$/i;

/**
 * Parses a six-field NCRONTAB expression.
 * @param expression - e.g. `0 *\/2 * * * *`
 * @throws Error naming the expression when it is not NCRONTAB
 */
export function parseNcrontab(expression: string): Schedule {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 6) throw new Error(`Expected 6 NCRONTAB fields, got "${expression}"`);
    const bad = fields.find((field) => !field.split(',').every((part) => NCRONTAB_PART.test(part)));
    if (bad !== undefined) throw new Error(`"${bad}" is not an NCRONTAB field (in "${expression}")`);
    let cron: Cron;
    try {
        cron = new Cron(expression, { mode: '6-part', timezone: 'Etc/UTC', domAndDow: true, paused: true });
    } catch (e) {
        throw new Error(
            `"${expression}" is not a valid NCRONTAB schedule: ${e instanceof Error ? e.message : String(e)}`,
        );
    }
    return {
        nextAfter(after) {
            return cron.nextRun(new Date(after))?.getTime() ?? null;
        },
    };
}
