/**
 * How long to wait before retrying a throttled or unavailable Graph call: the answer's `Retry-After` when it is one
 * (RFC 9110 §10.2.3: delay-seconds or an HTTP-date; Graph also sends decimal seconds such as `2.128`), never less
 * than the service's own exponential back-off (a `Retry-After: 0` or a malformed one does not make it hammer), and
 * never more than `maxMs` (a lying `Retry-After: 99999999` does not stall it). A small pure function of the adapter's
 * own until the service has one shared back-off helper.
 */
export interface RetryPolicy {
    /** The back-off of the first retry, doubling per attempt ... */
    readonly firstMs: number;
    /** ... and the longest wait, whatever the answer says. */
    readonly maxMs: number;
}

const DELAY_SECONDS = /^\d{1,10}(?:\.\d{1,6})?$/;
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}:\\d{2}:\\d{2})';
// RFC 9110 §5.6.7: a recipient MUST accept all three HTTP-date forms.
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(
    `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
);
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** An HTTP-date in any of its three forms, as epoch ms; null when it is none. */
function httpDate(value: string, now: number): number | null {
    let parts: { day: string; month: string; year: number; time: string } | null = null;
    const imf = IMF_FIXDATE.exec(value);
    const rfc850 = RFC850.exec(value);
    const asctime = ASCTIME.exec(value);
    if (imf !== null) parts = { day: imf[1] ?? '', month: imf[2] ?? '', year: Number(imf[3]), time: imf[4] ?? '' };
    else if (rfc850 !== null) {
        // Two digits: the year in this century, unless that is more than 50 years ahead (then the last one).
        const thisYear = new Date(now).getUTCFullYear();
        const year = 2000 + Number(rfc850[3]);
        parts = {
            day: rfc850[1] ?? '',
            month: rfc850[2] ?? '',
            year: year > thisYear + 50 ? year - 100 : year,
            time: rfc850[4] ?? '',
        };
    } else if (asctime !== null) {
        parts = {
            day: (asctime[2] ?? '').trim().padStart(2, '0'),
            month: asctime[1] ?? '',
            year: Number(asctime[4]),
            time: asctime[3] ?? '',
        };
    }
    if (parts === null) return null;
    const at = Date.parse(`${parts.day} ${parts.month} ${parts.year} ${parts.time} GMT`);
    return Number.isNaN(at) ? null : at;
}

/**
 * The wait a `Retry-After` value asks for, in ms; null when absent or malformed.
 * @param header - the header's value as received
 * @param now - epoch ms (for an HTTP-date)
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
    const value = header?.trim() ?? '';
    if (DELAY_SECONDS.test(value)) return Math.round(Number(value) * 1000);
    const at = httpDate(value, now);
    return at === null ? null : Math.max(0, at - now);
}

/**
 * The wait before retry number `attempt` (1 for the first retry).
 * @param header - the answer's `Retry-After`, if any
 * @param attempt - which retry this is
 * @param now - epoch ms
 * @param policy - back-off and cap
 */
export function retryDelayMs(
    header: string | null | undefined,
    attempt: number,
    now: number,
    policy: RetryPolicy,
): number {
    const backoff = policy.firstMs * 2 ** Math.min(Math.max(0, attempt - 1), 30);
    return Math.min(policy.maxMs, Math.max(retryAfterMs(header, now) ?? 0, backoff));
}
