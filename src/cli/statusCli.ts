import { parseArgs } from 'node:util';

import { ANSI_COLOUR, NO_COLOUR, statusOverviewSchema, statusText } from './statusText';

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
} as const;

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
  --json     print the status answer as JSON instead of the text view
  --timeout  seconds to wait for the answer (default 20)

Exit codes: 0 read, no target failing; 1 a target is failing; 2 usage; 3 key refused or missing;
4 unreachable; 5 unexpected answer. NO_COLOR turns colours off.
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

/** The problem details' title and detail, when the body is one. */
function problemText(body: string): string {
    try {
        const problem = JSON.parse(body) as { title?: unknown; detail?: unknown };
        const parts = [problem.title, problem.detail].filter((p): p is string => typeof p === 'string');
        return parts.length === 0 ? '' : `: ${parts.join(' — ').slice(0, 300)}`;
    } catch {
        return '';
    }
}

/**
 * `npm run status`: reads `GET /api/status` and prints the same picture as the status page in a terminal.
 * @param argv - the arguments after the script name
 * @param io - fetch, environment and output
 * @returns the exit code (see {@link EXIT})
 */
export async function runStatusCli(argv: readonly string[], io: CliIo): Promise<number> {
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
        return EXIT.usage;
    }
    if (values.help === true) {
        io.out(USAGE);
        return EXIT.ok;
    }
    if (values.url === undefined) {
        io.err(`--url is required.\n\n${USAGE}`);
        return EXIT.usage;
    }
    const url = statusUrl(values.url);
    if (url === null) {
        io.err(`--url must be an absolute http(s) URL, got "${values.url}".\n`);
        return EXIT.usage;
    }
    const timeoutSeconds = Number(values.timeout ?? '20');
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 600) {
        io.err(`--timeout must be a number of seconds between 0 and 600, got "${values.timeout ?? ''}".\n`);
        return EXIT.usage;
    }
    const key = values.key ?? io.env.STATUS_KEY;

    let response: Response;
    let body: string;
    try {
        response = await io.fetch(url, {
            headers: {
                accept: 'application/json',
                ...(key === undefined || key === '' ? {} : { 'x-functions-key': key }),
            },
            redirect: 'error',
            signal: AbortSignal.timeout(timeoutSeconds * 1000),
        });
        body = await response.text();
    } catch (error) {
        io.err(`Cannot reach ${url.origin}: ${networkCause(error)}. Check --url and that the app is running.\n`);
        return EXIT.unreachable;
    }

    if (response.status === 401 || response.status === 403) {
        const hint =
            key === undefined || key === ''
                ? 'No key was given: pass --key <function key of the statusPage function> (or set STATUS_KEY).'
                : 'The key was refused: pass --key with a function key of the statusPage function (or a host key); with App Service Authentication the caller also needs the read role.';
        io.err(`HTTP ${response.status} from ${url.origin}${problemText(body)}\n${hint}\n`);
        return EXIT.unauthorized;
    }
    if (response.status !== 200) {
        io.err(`Unexpected answer from ${url.href}: HTTP ${response.status}${problemText(body)}\n`);
        return EXIT.unexpected;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(body);
    } catch {
        io.err(`Unexpected answer from ${url.href}: not JSON (is --url the function app?)\n`);
        return EXIT.unexpected;
    }
    const overview = statusOverviewSchema.safeParse(parsed);
    if (!overview.success) {
        const first = overview.error.issues[0];
        io.err(
            `Unexpected answer from ${url.href}: not a status (${first === undefined ? 'invalid' : `${first.path.join('.')}: ${first.message}`})\n`,
        );
        return EXIT.unexpected;
    }

    if (values.json === true) {
        io.out(`${JSON.stringify(parsed, null, 2)}\n`);
    } else {
        const noColour = (io.env.NO_COLOR ?? '') !== '' || !io.stdoutIsTty;
        io.out(statusText(overview.data, noColour ? NO_COLOUR : ANSI_COLOUR));
    }
    return overview.data.targets.some((t) => t.health === 'failing') ? EXIT.failing : EXIT.ok;
}
