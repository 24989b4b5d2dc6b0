import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/** The name the Graph client reports as the error's `code` when an answer is larger than allowed. */
export const ANSWER_TOO_LARGE = 'GraphAnswerTooLarge';

class AnswerTooLargeError extends Error {
    constructor(limit: number) {
        super(`Graph answered more than ${limit} bytes`);
        this.name = ANSWER_TOO_LARGE;
    }
}

/** What one HTTP call may take. */
export interface FetchLimits {
    /** Largest answer body read; beyond it the call fails (a lookup of 300 objects needs a few hundred KiB at most). */
    readonly maxBytes: number;
    /** The whole call, answer included, or it is aborted. */
    readonly timeoutMs: number;
}

/** Reads at most `maxBytes` of the body; a longer (or longer-declared) one is cancelled and refused. */
async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array | null> {
    const declared = Number(response.headers.get('content-length') ?? '');
    if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel();
        throw new AnswerTooLargeError(maxBytes);
    }
    if (response.body === null) return null;
    const reader = response.body.getReader();
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
        const result = await reader.read();
        if (result.done) break;
        const value: unknown = result.value;
        if (!(value instanceof Uint8Array)) throw new TypeError('Graph answered a body that is not bytes');
        total += value.byteLength;
        if (total > maxBytes) {
            await reader.cancel();
            throw new AnswerTooLargeError(maxBytes);
        }
        parts.push(value);
    }
    return Buffer.concat(parts);
}

/** Statuses whose response may carry no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The Graph client's last middleware instead of its `HTTPMessageHandler`: the same `fetch`, with a deadline, without
 * following redirects (a redirect to another host would be followed without the token, or with it by a later
 * handler), and with the answer read into memory only up to a limit, so a lying or broken Graph can neither hang a
 * timer pass nor fill the process.
 */
export class BoundedFetchHandler implements Middleware {
    constructor(private readonly limits: FetchLimits) {}

    async execute(context: Context): Promise<void> {
        const request: unknown = context.request;
        if (typeof request !== 'string' && !(request instanceof Request)) throw new TypeError('No request to send');
        const signal = AbortSignal.timeout(this.limits.timeoutMs);
        const response = await fetch(request, { ...context.options, redirect: 'manual', signal });
        const body = await readBounded(response, this.limits.maxBytes);
        context.response = new Response(NULL_BODY.has(response.status) ? null : body, {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
        });
    }
}
