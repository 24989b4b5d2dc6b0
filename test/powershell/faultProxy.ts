import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

/** A POST that went through `/lose-first-answer/`, and what the service answered it. */
export interface ForwardedPost {
    readonly idempotencyKey: string;
    readonly status: number;
    readonly replayed: boolean;
    /** The proxy threw the service's answer away and answered 503 instead. */
    readonly lost: boolean;
}

/** The fault proxy and what it saw. */
export interface FaultProxy {
    readonly url: string;
    readonly posts: readonly ForwardedPost[];
    close(): Promise<void>;
}

const problem = (res: ServerResponse, status: number, code: string, detail: string): void => {
    res.writeHead(status, { 'content-type': 'application/problem+json', 'retry-after': '1' });
    res.end(
        JSON.stringify({ type: `https://entra-sync-trigger.dev/problems/${code}`, code, title: code, status, detail }),
    );
};

const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
        let text = '';
        req.on('data', (c: Buffer) => (text += c.toString()));
        req.on('end', () => resolve(text));
        req.on('error', reject);
    });

/**
 * A loopback HTTP proxy in front of one local host, for the faults a client must survive. The first path segment
 * picks the behaviour; the rest is the API path:
 *   /lose-first-answer/...  forwards; the first POST of each Idempotency-Key reaches the service, but its answer is
 *                           thrown away and 503 DEPENDENCY_UNAVAILABLE (Retry-After: 1) is answered instead, as when
 *                           an answer is lost on the way back
 *   /fail-first-read/...    forwards; the first GET of each path is answered 503 instead
 *   /unavailable/...        503 DEPENDENCY_UNAVAILABLE problem details, Retry-After: 1
 *   /misconfigured/...      500 CONFIG_INVALID problem details
 *   /throttled/...          429 with an HTML body (a gateway's page, not problem details), Retry-After: 1
 *   /redirect/...           302 to another port
 *   /reset/...              the connection is destroyed without an answer
 *   /hang/...               never answers
 *   /pending/...            every status read answers 202 waiting, Retry-After: 2; /pending/_count says how many
 *   /echo/...               answers what it received: method, path, headers, parsed body (POST: 202)
 * @param upstream - the base URL of the host behind it
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
    const posts: ForwardedPost[] = [];
    const seenKeys = new Set<string>();
    const seenReads = new Set<string>();
    let pendingReads = 0;
    const target = new URL(upstream);

    const forward = (req: IncomingMessage, res: ServerResponse, path: string, body: string, lose: boolean): void => {
        const headers = { ...req.headers, host: target.host };
        const out = request(
            { host: target.hostname, port: target.port, method: req.method, path, headers },
            (answer) => {
                let text = '';
                answer.on('data', (c: Buffer) => (text += c.toString()));
                answer.on('end', () => {
                    const key = req.headers['idempotency-key'];
                    if (req.method === 'POST' && typeof key === 'string') {
                        posts.push({
                            idempotencyKey: key,
                            status: answer.statusCode ?? 0,
                            replayed: answer.headers['idempotent-replayed'] === 'true',
                            lost: lose,
                        });
                    }
                    if (lose) {
                        problem(res, 503, 'DEPENDENCY_UNAVAILABLE', 'The answer was lost (fault proxy).');
                        return;
                    }
                    res.writeHead(answer.statusCode ?? 502, answer.headers);
                    res.end(text);
                });
            },
        );
        out.on('error', (e) => problem(res, 502, 'PROXY_ERROR', e.message));
        out.end(body);
    };

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const url = new URL(req.url ?? '/', 'http://proxy');
        const [, mode = '', ...rest] = url.pathname.split('/');
        const path = `/${rest.join('/')}${url.search}`;
        const body = await readBody(req);
        switch (mode) {
            case 'lose-first-answer': {
                const key = req.headers['idempotency-key'];
                const lose = req.method === 'POST' && typeof key === 'string' && !seenKeys.has(key);
                if (typeof key === 'string') seenKeys.add(key);
                forward(req, res, path, body, lose);
                return;
            }
            case 'fail-first-read':
                if (req.method === 'GET' && !seenReads.has(path)) {
                    seenReads.add(path);
                    problem(res, 503, 'DEPENDENCY_UNAVAILABLE', 'Storage is busy (fault proxy).');
                    return;
                }
                forward(req, res, path, body, false);
                return;
            case 'unavailable':
                problem(res, 503, 'DEPENDENCY_UNAVAILABLE', 'Storage is unreachable (fault proxy).');
                return;
            case 'misconfigured':
                problem(res, 500, 'CONFIG_INVALID', 'SYNC_TARGETS is not valid JSON (fault proxy).');
                return;
            case 'throttled':
                res.writeHead(429, { 'content-type': 'text/html', 'retry-after': '1' });
                res.end('<html><body>Too many requests</body></html>');
                return;
            case 'redirect':
                res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
                res.end();
                return;
            case 'reset':
                req.socket.destroy();
                return;
            case 'hang':
                return;
            case 'pending':
                if (path === '/_count') {
                    res.writeHead(200, { 'content-type': 'application/json' });
                    res.end(JSON.stringify({ reads: pendingReads }));
                    return;
                }
                if (req.method === 'POST') {
                    forward(req, res, path, body, false);
                    return;
                }
                pendingReads += 1;
                res.writeHead(202, { 'content-type': 'application/json', 'retry-after': '2' });
                res.end(JSON.stringify({ requestId: rest.at(-1), state: 'waiting', targetId: 'local' }));
                return;
            case 'echo': {
                res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
                const parsed: unknown = body === '' ? null : JSON.parse(body);
                // With the members the client checks in an accepted request, a status and the overview.
                const shape = { requestId: 'echo', state: 'echo', targets: [] };
                res.end(JSON.stringify({ ...shape, method: req.method, path, headers: req.headers, body: parsed }));
                return;
            }
            default:
                problem(res, 404, 'NO_SUCH_FAULT', `No fault mode '${mode}'.`);
        }
    };

    const server: Server = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => problem(res, 500, 'PROXY_ERROR', String(e)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the fault proxy has no port');
    const { port } = address;
    return {
        url: `http://127.0.0.1:${port}`,
        posts,
        close: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
