import { parseArgs } from 'node:util';

import { z } from 'zod';

import { serverText, terminalSafe, terminalSafeJson } from './serverText';
import { ANSI_COLOUR, NO_COLOUR, type StatusOverview, statusOverviewSchema, statusText } from './statusText';

/**
 * Exit codes of `npm run status` (README, "On-call"): scripts and monitors can act on them.
 */
export const EXIT = {
    /** The status was read; no target is failing. */
    ok: 0,
    /** The status was read; at least one target is failing. */
    failing: 1,
    /** Bad command line. */
    usage: 2,
    /** The service refused the key (401/403) or asked for one. */
    unauthorized: 3,
    /** The service could not be reached (DNS, connection, TLS, timeout). */
    unreachable: 4,
    /** The service answered something else than a status (another HTTP status, not the expected JSON). */
    unexpected: 5,
    /** The answer was larger than {@link MAX_ANSWER_BYTES}: reading stopped there. */
    tooLarge: 6,
} as const;

/**
 * The largest status answer read. A run row is about 1.5 kB, so a day of one cycle a minute (1,440 runs) on 15
 * targets fits; past it the answer is not a status, or the server is hostile, and reading stops at once instead
 * of holding the whole body in memory.
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** What the CLI touches outside itself; tests pass their own. */
export interface CliIo {
    readonly fetch: typeof fetch;
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Whether stdout is a terminal (colours only there). */
    readonly stdoutIsTty: boolean;
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
}

const USAGE = `Usage: npm run status -- --url <base URL> [--key <function key>] [--json] [--timeout <seconds>]

  --url      the function app, e.g. https://func-sync.azurewebsites.net (or http://localhost:7071)
  --key      a function key of the statusPage function (read-only), sent as x-functions-key;
             default: the STATUS_KEY environment variable
  --json     print the status answer as JSON instead of the text view; run it as npm run -s status
             (without -s npm prints its banner on stdout first)
  --timeout  seconds to wait for the answer (default 20)

Exit codes: 0 read, no target failing; 1 a target is failing; 2 usage; 3 key refused or missing;
4 unreachable; 5 unexpected answer; 6 answer larger than 32 MiB. NO_COLOR turns colours off.
`;

/** `https://app.example` → `https://app.example/api/status`; a URL that already ends in `/api/status` is kept. */
function statusUrl(base: string): URL | null {
    let url: URL;
    try {
        url = new URL(base);
    } catch {
        return null;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    const path = url.pathname.replace(/\/+$/, '');
    url.pathname = /\/api\/status$/.test(path) ? path : `${path.replace(/\/api$/, '')}/api/status`;
    url.search = '';
    url.hash = '';
    return url;
}

/** What the command line asks for, once it is valid. */
interface Options {
    readonly url: URL;
    readonly key: string | undefined;
    readonly json: boolean;
    readonly timeoutMs: number;
}

/** The command line read: options to run with, or the exit code after printing the usage or an error. */
type CommandLine =
    { readonly kind: 'run'; readonly options: Options } | { readonly kind: 'exit'; readonly code: number };

function readCommandLine(argv: readonly string[], io: CliIo): CommandLine {
    let values: { url?: string; key?: string; json?: boolean; timeout?: string; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                url: { type: 'string' },
                key: { type: 'string' },
                json: { type: 'boolean' },
                timeout: { type: 'string' },
                help: { type: 'boolean', short: 'h' },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        io.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
        return { kind: 'exit', code: EXIT.usage };
    }
    if (values.help === true) {
        io.out(USAGE);
        return { kind: 'exit', code: EXIT.ok };
    }
    if (values.url === undefined) {
        io.err(`--url is required.\n\n${USAGE}`);
        return { kind: 'exit', code: EXIT.usage };
    }
    const url = statusUrl(values.url);
    if (url === null) {
        io.err(`--url must be an absolute http(s) URL, got "${terminalSafe(values.url)}".\n`);
        return { kind: 'exit', code: EXIT.usage };
    }
    const timeoutSeconds = Number(values.timeout ?? '20');
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 600) {
        io.err(
            `--timeout must be a number of seconds between 0 and 600, got "${terminalSafe(values.timeout ?? '')}".\n`,
        );
        return { kind: 'exit', code: EXIT.usage };
    }
    const key = values.key ?? io.env.STATUS_KEY;
    return {
        kind: 'run',
        options: {
            url,
            key: key === '' ? undefined : key,
            json: values.json === true,
            timeoutMs: timeoutSeconds * 1000,
        },
    };
}

/** What reading `GET /api/status` gave: an answer (any HTTP status), or why there is none. */
type Reading =
    | { readonly kind: 'answer'; readonly status: number; readonly body: string }
    | { readonly kind: 'unreachable'; readonly cause: string }
    | { readonly kind: 'tooLarge' };

/** The innermost cause's code or message: `ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, … */
function networkCause(error: unknown): string {
    let current: unknown = error;
    for (let depth = 0; depth < 5; depth++) {
        if (typeof current !== 'object' || current === null) break;
        const { code, cause, name, message } = current as {
            code?: unknown;
            cause?: unknown;
            name?: unknown;
            message?: unknown;
        };
        if (name === 'TimeoutError') return 'no answer before the timeout';
        if (typeof code === 'string') return code;
        if (cause === undefined) return typeof message === 'string' ? message : 'unknown error';
        current = cause;
    }
    return String(error);
}

/**
 * The body, read chunk by chunk up to {@link MAX_ANSWER_BYTES}: a declared or actual size past it stops the read
 * (and the connection) at once, so memory stays bounded whatever the server sends.
 */
async function boundedBody(response: Response): Promise<string | null> {
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_ANSWER_BYTES || response.body === null) {
        await response.body?.cancel();
        return declared > MAX_ANSWER_BYTES ? null : '';
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
        // Typed by what it is, not by the DOM typings this project does not load.
        const next: { readonly done: boolean; readonly value?: unknown } = await reader.read();
        if (next.done) break;
        const value = next.value;
        if (!(value instanceof Uint8Array)) throw new TypeError('the response body is not bytes');
        total += value.byteLength;
        if (total > MAX_ANSWER_BYTES) {
            // Cancelling the stream closes the connection: nothing more is read.
            await reader.cancel();
            return null;
        }
        chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
}

async function readStatus(options: Options, io: CliIo): Promise<Reading> {
    try {
        const response = await io.fetch(options.url, {
            headers: {
                accept: 'application/json',
                ...(options.key === undefined ? {} : { 'x-functions-key': options.key }),
            },
            redirect: 'error',
            signal: AbortSignal.timeout(options.timeoutMs),
        });
        const body = await boundedBody(response);
        return body === null ? { kind: 'tooLarge' } : { kind: 'answer', status: response.status, body };
    } catch (error) {
        return { kind: 'unreachable', cause: terminalSafe(networkCause(error)) };
    }
}

const problemSchema = z.object({ title: serverText.optional(), detail: serverText.optional() });

/** The problem details' title and detail, when the body is one (made safe to print). */
function problemText(body: string): string {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body);
    } catch {
        return '';
    }
    const problem = problemSchema.safeParse(parsed);
    if (!problem.success) return '';
    const parts = [problem.data.title, problem.data.detail].filter((p): p is string => p !== undefined);
    return parts.length === 0 ? '' : `: ${parts.join(' — ').slice(0, 300)}`;
}

/** A status answer read as the overview (with the raw JSON for `--json`), or the exit code after saying why not. */
type Interpreted =
    | { readonly kind: 'status'; readonly overview: StatusOverview; readonly json: unknown }
    | { readonly kind: 'exit'; readonly code: number };

function interpret(reading: Reading, options: Options, io: CliIo): Interpreted {
    const { url } = options;
    if (reading.kind === 'unreachable') {
        io.err(`Cannot reach ${url.origin}: ${reading.cause}. Check --url and that the app is running.\n`);
        return { kind: 'exit', code: EXIT.unreachable };
    }
    if (reading.kind === 'tooLarge') {
        io.err(
            `The answer from ${url.href} is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB: not a status (is --url the function app?); reading stopped.\n`,
        );
        return { kind: 'exit', code: EXIT.tooLarge };
    }
    if (reading.status === 401 || reading.status === 403) {
        const hint =
            options.key === undefined
                ? 'No key was given: pass --key <function key of the statusPage function> (or set STATUS_KEY).'
                : 'The key was refused: pass --key with a function key of the statusPage function (or a host key); with App Service Authentication the caller also needs the read role.';
        io.err(`HTTP ${reading.status} from ${url.origin}${problemText(reading.body)}\n${hint}\n`);
        return { kind: 'exit', code: EXIT.unauthorized };
    }
    if (reading.status !== 200) {
        io.err(`Unexpected answer from ${url.href}: HTTP ${reading.status}${problemText(reading.body)}\n`);
        return { kind: 'exit', code: EXIT.unexpected };
    }
    let json: unknown;
    try {
        json = JSON.parse(reading.body);
    } catch {
        io.err(`Unexpected answer from ${url.href}: not JSON (is --url the function app?)\n`);
        return { kind: 'exit', code: EXIT.unexpected };
    }
    const overview = statusOverviewSchema.safeParse(json);
    if (!overview.success) {
        const first = overview.error.issues[0];
        const where = first === undefined ? 'invalid' : `${first.path.join('.')}: ${first.message}`;
        io.err(`Unexpected answer from ${url.href}: not a status (${terminalSafe(where)})\n`);
        return { kind: 'exit', code: EXIT.unexpected };
    }
    return { kind: 'status', overview: overview.data, json };
}

/**
 * `npm run status`: reads `GET /api/status` and prints the same picture as the status page in a terminal.
 * @param argv - the arguments after the script name
 * @param io - fetch, environment and output
 * @returns the exit code (see {@link EXIT})
 */
export async function runStatusCli(argv: readonly string[], io: CliIo): Promise<number> {
    const commandLine = readCommandLine(argv, io);
    if (commandLine.kind === 'exit') return commandLine.code;
    const { options } = commandLine;
    const result = interpret(await readStatus(options, io), options, io);
    if (result.kind === 'exit') return result.code;
    if (options.json) {
        io.out(`${terminalSafeJson(result.json)}\n`);
    } else {
        const noColour = (io.env.NO_COLOR ?? '') !== '' || !io.stdoutIsTty;
        io.out(statusText(result.overview, noColour ? NO_COLOUR : ANSI_COLOUR));
    }
    return result.overview.targets.some((t) => t.health === 'failing') ? EXIT.failing : EXIT.ok;
}
