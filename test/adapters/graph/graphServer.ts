import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { TestCertificate } from '../../support/ingestionServer';

/** One user as Graph v1.0 returns it with `$select`. */
export interface GraphUser {
    readonly id: string;
    readonly userPrincipalName: string;
    readonly onPremisesImmutableId: string | null;
    readonly onPremisesSyncEnabled: boolean | null;
    readonly onPremisesLastSyncDateTime: string | null;
}

/** What the server saw of one request. */
interface SeenRequest {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly authorization: string | null;
    readonly consistencyLevel: string | null;
}

/** A loopback HTTPS server speaking Microsoft Graph v1.0's wire format for the `users` calls the adapter makes. */
export interface GraphServer {
    readonly endpoint: string;
    readonly requests: SeenRequest[];
    /** The next `n` requests are answered `status` (429/503) with this `Retry-After`. */
    throttleNext(n: number, status: 429 | 503, retryAfter: string): void;
    close(): Promise<void>;
}

const ERROR = (code: string, message: string) => ({
    error: {
        code,
        message,
        innerError: { date: '2026-12-01T00:00:00', 'request-id': 'test', 'client-request-id': 'test' },
    },
});

/**
 * Starts the server. Users are listed `pageSize` per page (`@odata.nextLink` with `$skiptoken` while there are
 * more), as Graph pages collections; `$filter` supports `onPremisesImmutableId eq '…'` and `userPrincipalName eq
 * '…'` (OData string literals, quotes doubled); `GET /v1.0/users/{id or UPN}` answers 404 `Request_ResourceNotFound`.
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
    let throttle: { remaining: number; status: number; retryAfter: string } | null = null;
    let endpoint = '';
    const server: Server = createServer(
        { cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) },
        (req, res) => {
            const url = new URL(req.url ?? '/', endpoint);
            const query = Object.fromEntries(url.searchParams.entries());
            requests.push({
                method: req.method ?? '',
                path: decodeURIComponent(url.pathname),
                query,
                authorization: req.headers.authorization ?? null,
                consistencyLevel: (req.headers.consistencylevel as string | undefined) ?? null,
            });
            const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
                res.writeHead(status, { 'content-type': 'application/json;odata.metadata=minimal', ...headers });
                res.end(JSON.stringify(body));
            };
            if (throttle !== null && throttle.remaining > 0) {
                throttle.remaining--;
                send(
                    throttle.status,
                    ERROR(throttle.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', 'Try again later'),
                    { 'retry-after': throttle.retryAfter },
                );
                return;
            }
            const select = (u: GraphUser): Record<string, unknown> => {
                const fields = (query.$select ?? '').split(',').filter((f) => f !== '');
                const all = u as unknown as Record<string, unknown>;
                return fields.length === 0 ? all : Object.fromEntries(fields.map((f) => [f, all[f] ?? null]));
            };
            const single = /^\/v1\.0\/users\/(.+)$/.exec(url.pathname);
            if (req.method === 'GET' && single !== null) {
                const key = decodeURIComponent(single[1] ?? '').toLowerCase();
                const user = users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
                if (user === undefined) {
                    send(404, ERROR('Request_ResourceNotFound', `Resource '${key}' does not exist.`));
                    return;
                }
                send(200, { '@odata.context': `${endpoint}/v1.0/$metadata#users/$entity`, ...select(user) });
                return;
            }
            if (req.method === 'GET' && url.pathname === '/v1.0/users') {
                const filter = query.$filter;
                let matching = users;
                if (filter !== undefined) {
                    const m = /^(onPremisesImmutableId|userPrincipalName) eq '((?:[^']|'')*)'$/.exec(filter);
                    if (m === null) {
                        send(400, ERROR('Request_UnsupportedQuery', 'Unsupported or invalid query filter clause.'));
                        return;
                    }
                    const [, property = '', literal = ''] = m;
                    const value = literal.replace(/''/g, "'");
                    matching = users.filter((u) => (u as unknown as Record<string, unknown>)[property] === value);
                }
                const first = query.$skiptoken === undefined;
                const skip = Number(query.$skiptoken ?? '0');
                const page = first && options.emptyFirstPage === true ? [] : matching.slice(skip, skip + pageSize);
                const nextSkip = first && options.emptyFirstPage === true ? 0 : skip + pageSize;
                const body: Record<string, unknown> = {
                    '@odata.context': `${endpoint}/v1.0/$metadata#users`,
                    value: page.map(select),
                };
                if (nextSkip < matching.length) {
                    const next = new URL(url.toString());
                    next.searchParams.set('$skiptoken', String(nextSkip));
                    body['@odata.nextLink'] = next.toString();
                }
                send(200, body);
                return;
            }
            send(400, ERROR('BadRequest', 'Unsupported request'));
        },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        endpoint,
        requests,
        throttleNext(n, status, retryAfter) {
            throttle = { remaining: n, status, retryAfter };
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
