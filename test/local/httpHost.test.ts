import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

import { type HttpHandler, HttpResponse } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FUNCTIONS } from '../../functions/index';
import { type HttpRoute, httpRoutes, serveFunction } from '../../src/local/httpHost';
import { silentLogger } from '../../src/ports/logger';
import type { FunctionRegistration } from '../../src/transports/functionRegistration';

/** The local host's HTTP edge, driven over raw TCP as a client would (keep-alive, partial bodies, odd targets). */
const MAX_BODY_BYTES = 1_000;
const IDLE_MS = 300;
const DEADLINE_MS = 1_000;

/** Answers with what it was given: the body's size, the route parameters, its own name. */
function echo(name: string): HttpHandler {
    return async (request) => {
        const body = await request.text();
        return new HttpResponse({ status: 200, jsonBody: { fn: name, bytes: body.length, params: request.params } });
    };
}

function fn(name: string, route: string, methods: ('GET' | 'POST' | 'OPTIONS')[]): FunctionRegistration {
    return { name, trigger: 'http', options: { route, methods, authLevel: 'function', handler: echo(name) } };
}

/** The app's own HTTP registrations (functions/index.ts): their templates and methods, answered by `echo`. */
const APP_ROUTES: HttpRoute[] = httpRoutes(FUNCTIONS, 'api').map((r) => ({ ...r, handler: echo(r.functionName) }));

let server: Server;
let port = 0;

beforeAll(async () => {
    const routes = [
        ...httpRoutes([fn('post', 'things', ['POST', 'OPTIONS']), fn('get', 'things/{id}', ['GET'])], 'api'),
        ...APP_ROUTES,
    ];
    server = createServer((req, res) => {
        void serveFunction(routes, req, res, {
            log: silentLogger,
            maxBodyBytes: MAX_BODY_BYTES,
            bodyIdleTimeoutMs: IDLE_MS,
            bodyDeadlineMs: DEADLINE_MS,
        }).then((served) => {
            if (!served) {
                res.writeHead(404, { 'content-length': '0' });
                res.end();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** One keep-alive connection; `exchange` writes raw bytes and resolves with the next full response's head and body. */
class Connection {
    private readonly socket: Socket;
    private buffered = '';
    private closed = false;
    private waiter: (() => void) | null = null;

    constructor() {
        this.socket = connect(port, '127.0.0.1');
        this.socket.setEncoding('latin1');
        this.socket.on('data', (chunk: string) => {
            this.buffered += chunk;
            this.waiter?.();
        });
        this.socket.on('close', () => {
            this.closed = true;
            this.waiter?.();
        });
        this.socket.on('error', () => undefined);
    }

    write(raw: string): void {
        this.socket.write(raw, 'latin1');
    }

    /** The next response: status, headers (lower-cased names) and body (Content-Length framed). */
    async response(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
        for (;;) {
            const end = this.buffered.indexOf('\r\n\r\n');
            if (end >= 0) {
                const [statusLine = '', ...lines] = this.buffered.slice(0, end).split('\r\n');
                const headers = Object.fromEntries(
                    lines.map((line) => {
                        const colon = line.indexOf(':');
                        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
                    }),
                );
                const length = Number(headers['content-length'] ?? '0');
                if (this.buffered.length >= end + 4 + length) {
                    const body = Buffer.from(this.buffered.slice(end + 4, end + 4 + length), 'latin1').toString('utf8');
                    this.buffered = this.buffered.slice(end + 4 + length);
                    return { status: Number(statusLine.split(' ')[1]), headers, body };
                }
            }
            if (this.closed) throw new Error(`connection closed; received: ${JSON.stringify(this.buffered)}`);
            await new Promise<void>((resolve) => (this.waiter = resolve));
        }
    }

    isClosed(): Promise<boolean> {
        if (this.closed) return Promise.resolve(true);
        return new Promise((resolve) => {
            const timer = setTimeout(() => resolve(this.closed), 2_000);
            this.socket.once('close', () => {
                clearTimeout(timer);
                resolve(true);
            });
        });
    }

    end(): void {
        this.socket.destroy();
    }
}

const post = (body: string, headers = ''): string =>
    `POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('local HTTP host: protocol edges', () => {
    it('serves two requests on one keep-alive connection', async () => {
        const connection = new Connection();
        connection.write(post('{"a":1}'));
        expect((await connection.response()).status).toBe(200);
        connection.write(post('{"b":2}'));
        expect((await connection.response()).status).toBe(200);
        connection.end();
    });

    it('answers a body over the limit with 413 and Connection: close, so the next request goes on a new connection', async () => {
        const connection = new Connection();
        // Declared and sent, larger than the host's own limit: the body is not read to its end.
        const big = 'x'.repeat(MAX_BODY_BYTES * 4 + 1);
        connection.write(post(big));
        const answer = await connection.response();
        expect(answer.status).toBe(413);
        expect(answer.headers.connection).toBe('close');
        expect(JSON.parse(answer.body)).toMatchObject({ status: 413 });
        expect(await connection.isClosed()).toBe(true);

        const next = new Connection();
        next.write(post('{"a":1}'));
        expect((await next.response()).status).toBe(200);
        next.end();
    });

    it('answers a body that declares more than it sends with 408, instead of waiting for ever', async () => {
        const connection = new Connection();
        connection.write(
            `POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"joiner":`,
        );
        const answer = await connection.response();
        expect(answer.status).toBe(408);
        expect(answer.headers.connection).toBe('close');
        connection.end();
    });

    it('names the allowed methods in Allow on a 405', async () => {
        const connection = new Connection();
        connection.write('DELETE /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
        const answer = await connection.response();
        expect(answer.status).toBe(405);
        expect(answer.headers.allow).toBe('OPTIONS, POST');
        connection.end();
    });

    it.each([
        ['a lone percent sign', '/api/things/%'],
        ['a truncated escape', '/api/things/%E2%82'],
        ['an escape that is not hex', '/api/things/%zz'],
        ['an overlong UTF-8 encoding', '/api/things/%C0%AF'],
    ])('answers a malformed percent-encoding in the path (%s) with a 400 problem, not a 500', async (_name, path) => {
        const connection = new Connection();
        connection.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        const answer = await connection.response();
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        expect(JSON.parse(answer.body)).toMatchObject({ status: 400 });
        connection.end();
    });

    it.each([
        ['a space', 'bad host'],
        ['a bracket', '[::1'],
        ['a port out of range', '127.0.0.1:99999'],
    ])('answers a Host header with %s with a 400 problem, not a 500', async (_name, host) => {
        const connection = new Connection();
        connection.write(`GET /api/things/1 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        const answer = await connection.response();
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        connection.end();
    });

    it('still decodes a well-formed percent-encoding', async () => {
        const connection = new Connection();
        connection.write('GET /api/things/a%20b%E2%82%AC HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        const answer = await connection.response();
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ params: { id: 'a b€' } });
        connection.end();
    });
});

/** Resolves with the value, or rejects once `ms` have passed: a test that would otherwise wait for ever fails. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('local HTTP host: a whole-body deadline (issue 25, finding 10)', () => {
    /** Sends the head of a 2,000-byte POST, then one byte every `everyMs` until stopped. */
    function trickle(connection: Connection, everyMs: number): () => void {
        connection.write(
            'POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n',
        );
        const timer = setInterval(() => connection.write(' '), everyMs);
        return () => clearInterval(timer);
    }

    it('answers a body that trickles in (a byte well inside every idle timeout) with 408 at the deadline', async () => {
        const connection = new Connection();
        const started = Date.now();
        const stop = trickle(connection, IDLE_MS / 3);
        try {
            const answer = await within(DEADLINE_MS * 3, 'the trickled request', connection.response());
            expect(answer.status).toBe(408);
            expect(answer.headers.connection).toBe('close');
            expect(JSON.parse(answer.body)).toMatchObject({ status: 408 });
            expect(Date.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
            expect(await connection.isClosed()).toBe(true);
        } finally {
            stop();
            connection.end();
        }
    });

    it('closes all of 300 connections that each trickle a byte, none left open after the deadline', async () => {
        const connections = Array.from({ length: 300 }, () => new Connection());
        const stops = connections.map((c) => trickle(c, IDLE_MS / 2));
        try {
            const answers = await within(
                DEADLINE_MS * 4,
                '300 trickled requests',
                Promise.all(connections.map((c) => c.response())),
            );
            expect(answers.map((a) => a.status)).toEqual(connections.map(() => 408));
            expect(await Promise.all(connections.map((c) => c.isClosed()))).toEqual(connections.map(() => true));
        } finally {
            stops.forEach((stop) => stop());
            connections.forEach((c) => c.end());
        }
    });

    it('still serves a body that arrives in pieces within the deadline', async () => {
        const connection = new Connection();
        const body = '{"joiner":"ada@contoso.com"}';
        connection.write(
            `POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        for (const piece of [body.slice(0, 10), body.slice(10, 20), body.slice(20)]) {
            await new Promise((r) => setTimeout(r, IDLE_MS / 3));
            connection.write(piece);
        }
        const answer = await connection.response();
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ bytes: body.length });
        connection.end();
    });
});

describe("local HTTP host: the registrations' route templates, constraints included (issue 25, finding 10)", () => {
    async function get(path: string): Promise<{ status: number; body: string }> {
        const connection = new Connection();
        connection.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        const answer = await connection.response();
        connection.end();
        return answer;
    }

    it.each(['/api/status/page2', '/api/status/pages', '/api/status/xpage', '/api/status/json', '/api/status/page/x'])(
        'answers %s with 404: status/{view:regex(^page$)?} does not match it',
        async (path) => {
            expect((await get(path)).status).toBe(404);
        },
    );

    it.each([
        ['/api/status', {}],
        ['/api/status/', {}],
        ['/api/status/page', { view: 'page' }],
        ['/api/Status/PAGE', { view: 'PAGE' }],
    ])('serves %s with the status function', async (path, params) => {
        const answer = await get(path);
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toEqual({ fn: 'statusPage', bytes: 0, params });
    });

    it('serves a request status by its id, and nothing below it', async () => {
        expect(JSON.parse((await get('/api/sync/requests/r-1')).body)).toMatchObject({
            fn: 'getSyncRequestStatus',
            params: { requestId: 'r-1' },
        });
        expect((await get('/api/sync/requests/r-1/more')).status).toBe(404);
    });
});
