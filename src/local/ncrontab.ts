/**
 * The six-field NCRONTAB schedules of Azure Functions timer triggers
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`), in UTC. Supports `*`, numbers, ranges `a-b`,
 * steps `*\/n` and `a-b/n`, and lists `a,b`: the forms this app and most apps use.
 */
export interface Schedule {
    /** The first matching time strictly after `after` (epoch ms), or null if none within five years. */
    nextAfter(after: number): number | null;
}

const FIELDS = [
    { name: 'second', min: 0, max: 59 },
    { name: 'minute', min: 0, max: 59 },
    { name: 'hour', min: 0, max: 23 },
    { name: 'day', min: 1, max: 31 },
    { name: 'month', min: 1, max: 12 },
    { name: 'day-of-week', min: 0, max: 6 },
] as const;

function parseField(text: string, min: number, max: number, name: string): ReadonlySet<number> {
    const values = new Set<number>();
    for (const part of text.split(',')) {
        const match = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
        if (match === null) throw new Error(`Unsupported ${name} field "${text}"`);
        const [, range = '*', stepText] = match;
        const step = stepText === undefined ? 1 : Number(stepText);
        let from = min;
        let to = max;
        if (range !== '*') {
            const [a, b] = range.split('-').map(Number);
            from = a ?? min;
            to = b ?? (stepText === undefined ? from : max);
        }
        if (step < 1 || from < min || to > max || from > to) throw new Error(`Out of range ${name} field "${text}"`);
        for (let v = from; v <= to; v += step) values.add(v);
    }
    return values;
}

/**
 * Parses a six-field NCRONTAB expression.
 * @param expression - e.g. `0 *\/2 * * * *`
 */
export function parseNcrontab(expression: string): Schedule {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 6) throw new Error(`Expected 6 NCRONTAB fields, got "${expression}"`);
    const [second, minute, hour, day, month, weekday] = FIELDS.map((f, i) =>
        parseField(parts[i] ?? '', f.min, f.max, f.name),
    );
    if (!second || !minute || !hour || !day || !month || !weekday) throw new Error('unreachable');
    return {
        nextAfter(after) {
            const limit = after + 5 * 366 * 86_400_000;
            let t = Math.floor(after / 1000) * 1000 + 1000;
            while (t <= limit) {
                const d = new Date(t);
                if (!month.has(d.getUTCMonth() + 1)) {
                    t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
                } else if (!day.has(d.getUTCDate()) || !weekday.has(d.getUTCDay())) {
                    t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
                } else if (!hour.has(d.getUTCHours())) {
                    t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
                } else if (!minute.has(d.getUTCMinutes())) {
                    t = Date.UTC(
                        d.getUTCFullYear(),
                        d.getUTCMonth(),
                        d.getUTCDate(),
                        d.getUTCHours(),
                        d.getUTCMinutes() + 1,
                    );
                } else if (!second.has(d.getUTCSeconds())) {
                    t += 1000;
                } else {
                    return t;
                }
            }
            return null;
        },
    };
}
