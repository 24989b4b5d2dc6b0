import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';

import type { TestCertificate } from '../../support/ingestionServer';

/**
 * Node 22.15+ can change the default trust store at run time; @types/node 20 does not declare it yet. The Graph
 * client only talks https and fetch reads the default store, so a test trusts its throwaway certificate this way.
 */
interface RuntimeTrustStore {
    getCACertificates(type: 'default'): string[];
    setDefaultCACertificates(certs: readonly string[]): void;
}
const trustStore = tls as unknown as Partial<RuntimeTrustStore>;

/** Trusts the certificate until the returned function is called. */
export function trust(certPath: string): () => void {
    const { getCACertificates, setDefaultCACertificates } = trustStore;
    if (getCACertificates === undefined || setDefaultCACertificates === undefined) {
        throw new Error(
            `Node ${process.version} cannot change its trust store at run time; run the tests on Node 22.15+`,
        );
    }
    const original = getCACertificates('default');
    setDefaultCACertificates([...original, readFileSync(certPath, 'utf8')]);
    return () => setDefaultCACertificates(original);
}

/** One user as Graph v1.0 returns it with `$select`. */
export interface GraphUser {
    readonly id: string;
    readonly userPrincipalName: string;
    readonly onPremisesImmutableId: string | null;
    readonly onPremisesSyncEnabled: boolean | null;
    readonly onPremisesLastSyncDateTime: string | null;
}

/** What the server saw of one request: an HTTP call, or a request inside a JSON batch (`inBatch`). */
interface SeenRequest {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly authorization: string | null;
    readonly consistencyLevel: string | null;
    readonly inBatch: boolean;
}

/** How the server lies or fails, when a test asks it to. */
interface GraphMisbehaviour {
    /** Every collection answer also carries this user, whatever was asked. */
    impostor?: GraphUser;
    /** The first page of every collection has a next link to this origin. */
    nextLinkOrigin?: string;
    /** Every collection page has a next link (an endless collection). */
    endlessPages?: boolean;
    /** HTTP calls are answered with this many bytes of a (valid) JSON collection instead. */
    hugeAnswerBytes?: number;
    /** HTTP calls are never answered. */
    hang?: boolean;
    /** HTTP calls are answered `302` to this URL. */
    redirectTo?: string;
}

/** A loopback HTTPS server speaking Microsoft Graph v1.0's wire format for the `users` calls the adapter makes. */
export interface GraphServer {
    readonly endpoint: string;
    readonly requests: SeenRequest[];
    /** HTTP calls received (a JSON batch is one call). */
    calls(): number;
    /** The next `n` HTTP calls are answered `status` (429/503) with this `Retry-After`. */
    throttleNext(n: number, status: 429 | 503, retryAfter: string): void;
    /** Requests (also inside a batch) whose `$filter` names this value are answered `status` with `Retry-After`. */
    failValue(value: string, status: number, retryAfter?: string): void;
    readonly misbehave: GraphMisbehaviour;
    reset(): void;
    close(): Promise<void>;
}

const ERROR = (code: string, message: string) => ({
    error: {
        code,
        message,
        innerError: { date: '2026-12-01T00:00:00', 'request-id': 'test', 'client-request-id': 'test' },
    },
});

interface Answer {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: unknown;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    headers: { 'content-type': 'application/json;odata.metadata=minimal', ...headers },
    body,
});

const LITERAL = "'((?:[^']|'')*)'";
/** `$filter` as Graph's default query accepts it for these properties: `eq`, or `in` with at most 15 values. */
function parseFilter(filter: string): { property: string; values: string[] } | 'unsupported' | 'tooMany' {
    const eq = new RegExp(`^(onPremisesImmutableId|userPrincipalName) eq ${LITERAL}$`).exec(filter);
    if (eq !== null) return { property: eq[1] ?? '', values: [(eq[2] ?? '').replace(/''/g, "'")] };
    const inList = new RegExp(`^(onPremisesImmutableId|userPrincipalName) in \\((${LITERAL}(?:,${LITERAL})*)\\)$`).exec(
        filter,
    );
    if (inList === null) return 'unsupported';
    const values = [...(inList[2] ?? '').matchAll(new RegExp(LITERAL, 'g'))].map((m) =>
        (m[1] ?? '').replace(/''/g, "'"),
    );
    // Graph's known issues: "the in operator ... is limited to 15 expressions in the filter clause by default".
    return values.length > 15 ? 'tooMany' : { property: inList[1] ?? '', values };
}

/** Bytes of the last huge answer actually written before the client hung up. */
let hugeBytesSent = 0;
export const hugeAnswerBytesSent = (): number => hugeBytesSent;

/** Streams a valid JSON collection of about `bytes` bytes, with back-pressure, stopping when the client goes. */
function streamHuge(res: ServerResponse, bytes: number): void {
    const user = JSON.stringify({
        id: 'x',
        userPrincipalName: 'x@contoso.com',
        onPremisesImmutableId: 'x',
        onPremisesSyncEnabled: true,
    });
    const block = Array.from({ length: 1000 }, () => user).join(',');
    hugeBytesSent = 0;
    let closed = false;
    res.on('close', () => (closed = true));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"value":[');
    const pump = (): void => {
        while (!closed && hugeBytesSent < bytes) {
            const chunk = `${hugeBytesSent === 0 ? '' : ','}${block}`;
            hugeBytesSent += chunk.length;
            if (!res.write(chunk)) {
                res.once('drain', pump);
                return;
            }
        }
        if (!closed) res.end(']}');
    };
    pump();
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => resolve(body));
    });
}

/**
 * Starts the server. Users are listed `pageSize` per page (`@odata.nextLink` with `$skiptoken` while there are
 * more), as Graph pages collections; `$filter` supports `eq` and `in (…)` (at most 15 values) on
 * `onPremisesImmutableId` and `userPrincipalName` (OData string literals, quotes doubled; UPNs compared
 * case-insensitively); `GET /v1.0/users/{id or UPN}` answers 404 `Request_ResourceNotFound`; `POST /v1.0/$batch`
 * takes at most 20 requests and answers them in reverse order (Graph answers in any order; ids correlate).
 * `emptyFirstPage`: the first page of a collection is empty with a nextLink (Graph may answer fewer items than
 * asked, even none, and still have more).
 * @param cert - the certificate (the Graph client only attaches tokens over https)
 * @param users - the directory
 * @param pageSize - users per page
 */
export async function startGraphServer(
    cert: TestCertificate,
    users: readonly GraphUser[],
    pageSize = 2,
    options: { readonly emptyFirstPage?: boolean } = {},
): Promise<GraphServer> {
    const requests: SeenRequest[] = [];
    let httpCalls = 0;
    let throttle: { remaining: number; status: number; retryAfter: string } | null = null;
    const failing = new Map<string, { status: number; retryAfter: string | undefined }>();
    const misbehave: GraphMisbehaviour = {};
    let endpoint = '';

    const select = (u: GraphUser, query: Readonly<Record<string, string>>): Record<string, unknown> => {
        const fields = (query.$select ?? '').split(',').filter((f) => f !== '');
        const all = u as unknown as Record<string, unknown>;
        return fields.length === 0 ? all : Object.fromEntries(fields.map((f) => [f, all[f] ?? null]));
    };

    const collection = (url: URL, query: Readonly<Record<string, string>>): Answer => {
        let matching: readonly GraphUser[] = users;
        if (query.$filter !== undefined) {
            const filter = parseFilter(query.$filter);
            if (filter === 'unsupported')
                return json(400, ERROR('Request_UnsupportedQuery', 'Unsupported or invalid query filter clause.'));
            if (filter === 'tooMany')
                return json(400, ERROR('Request_UnsupportedQuery', 'Too many child clauses specified.'));
            const fail = filter.values.map((v) => failing.get(v)).find((f) => f !== undefined);
            if (fail !== undefined) {
                return json(
                    fail.status,
                    ERROR(fail.status === 429 ? 'TooManyRequests' : 'BadRequest', 'Failed'),
                    fail.retryAfter === undefined ? {} : { 'Retry-After': fail.retryAfter },
                );
            }
            const wanted = new Set(
                filter.values.map((v) => (filter.property === 'userPrincipalName' ? v.toLowerCase() : v)),
            );
            matching = users.filter((u) => {
                const value = (u as unknown as Record<string, unknown>)[filter.property];
                if (typeof value !== 'string') return false;
                return wanted.has(filter.property === 'userPrincipalName' ? value.toLowerCase() : value);
            });
        }
        const first = query.$skiptoken === undefined;
        const skip = Number(query.$skiptoken ?? '0');
        const empty = first && options.emptyFirstPage === true;
        const page = empty ? [] : matching.slice(skip, skip + pageSize);
        const nextSkip = empty ? 0 : skip + pageSize;
        const value = page.map((u) => select(u, query));
        if (misbehave.impostor !== undefined) value.push(select(misbehave.impostor, query));
        const body: Record<string, unknown> = { '@odata.context': `${endpoint}/v1.0/$metadata#users`, value };
        if (
            nextSkip < matching.length ||
            misbehave.endlessPages === true ||
            (first && misbehave.nextLinkOrigin !== undefined)
        ) {
            const next = new URL(url.toString());
            next.searchParams.set('$skiptoken', String(Math.min(nextSkip, matching.length)));
            const origin = first && misbehave.nextLinkOrigin !== undefined ? misbehave.nextLinkOrigin : endpoint;
            body['@odata.nextLink'] = `${origin}${next.pathname}${next.search}`;
        }
        return json(200, body);
    };

    /** One GET, as an HTTP call or inside a batch. */
    const get = (url: URL, authorization: string | null, consistencyLevel: string | null, inBatch: boolean): Answer => {
        const query = Object.fromEntries(url.searchParams.entries());
        requests.push({
            method: 'GET',
            path: decodeURIComponent(url.pathname),
            query,
            authorization,
            consistencyLevel,
            inBatch,
        });
        const single = /^\/v1\.0\/users\/(.+)$/.exec(url.pathname);
        if (single !== null) {
            const key = decodeURIComponent(single[1] ?? '').toLowerCase();
            const user = users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
            if (user === undefined)
                return json(404, ERROR('Request_ResourceNotFound', `Resource '${key}' does not exist.`));
            return json(200, { '@odata.context': `${endpoint}/v1.0/$metadata#users/$entity`, ...select(user, query) });
        }
        if (url.pathname === '/v1.0/users') return collection(url, query);
        return json(400, ERROR('BadRequest', 'Unsupported request'));
    };

    const batch = (raw: string, authorization: string | null): Answer => {
        requests.push({
            method: 'POST',
            path: '/v1.0/$batch',
            query: {},
            authorization,
            consistencyLevel: null,
            inBatch: false,
        });
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            return json(400, ERROR('BadRequest', 'Invalid batch payload.'));
        }
        const list = (parsed as { requests?: unknown }).requests;
        if (!Array.isArray(list) || list.length === 0) return json(400, ERROR('BadRequest', 'Invalid batch payload.'));
        if (list.length > 20) return json(400, ERROR('BadRequest', 'Batch request contains more than 20 requests.'));
        const responses = (list as { id?: unknown; method?: unknown; url?: unknown }[]).map((r) => {
            const id = typeof r.id === 'string' ? r.id : '';
            if (r.method !== 'GET' || typeof r.url !== 'string')
                return { id, status: 400, body: ERROR('BadRequest', 'Unsupported') };
            const answer = get(
                new URL(`${endpoint}/v1.0${r.url.startsWith('/') ? '' : '/'}${r.url}`),
                authorization,
                null,
                true,
            );
            return { id, status: answer.status, headers: answer.headers, body: answer.body };
        });
        return json(200, { responses: responses.reverse() });
    };

    const server: Server = createServer(
        { cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) },
        (req, res) => {
            void (async () => {
                httpCalls++;
                const url = new URL(req.url ?? '/', endpoint);
                const authorization = req.headers.authorization ?? null;
                const body = req.method === 'POST' ? await readBody(req) : '';
                const send = (a: Answer) => {
                    res.writeHead(a.status, a.headers);
                    res.end(JSON.stringify(a.body));
                };
                if (throttle !== null && throttle.remaining > 0) {
                    throttle.remaining--;
                    requests.push({
                        method: req.method ?? '',
                        path: decodeURIComponent(url.pathname),
                        query: {},
                        authorization,
                        consistencyLevel: null,
                        inBatch: false,
                    });
                    send(
                        json(
                            throttle.status,
                            ERROR(
                                throttle.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
                                'Try again later',
                            ),
                            { 'retry-after': throttle.retryAfter },
                        ),
                    );
                    return;
                }
                if (misbehave.hang === true) return;
                if (misbehave.redirectTo !== undefined) {
                    res.writeHead(302, { location: misbehave.redirectTo });
                    res.end();
                    return;
                }
                if (misbehave.hugeAnswerBytes !== undefined) {
                    streamHuge(res, misbehave.hugeAnswerBytes);
                    return;
                }
                if (req.method === 'POST' && url.pathname === '/v1.0/$batch') send(batch(body, authorization));
                else if (req.method === 'GET')
                    send(get(url, authorization, (req.headers.consistencylevel as string | undefined) ?? null, false));
                else send(json(405, ERROR('BadRequest', 'Method not allowed')));
            })();
        },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        endpoint,
        requests,
        calls: () => httpCalls,
        throttleNext(n, status, retryAfter) {
            throttle = { remaining: n, status, retryAfter };
        },
        failValue(value, status, retryAfter) {
            failing.set(value, { status, retryAfter });
        },
        misbehave,
        reset() {
            requests.length = 0;
            httpCalls = 0;
            throttle = null;
            failing.clear();
            for (const key of Object.keys(misbehave) as (keyof GraphMisbehaviour)[]) delete misbehave[key];
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
