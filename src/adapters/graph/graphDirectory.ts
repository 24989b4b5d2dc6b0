import type { TokenCredential } from '@azure/identity';
import { AuthenticationHandler, Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';

import type { DirectoryObjectRef, LookupFailure } from '../../domain/entraConfirmation';
import type { Directory, DirectoryAnswer, DirectoryLookup, DirectoryUser } from '../../ports/directory';
import { ANSWER_TOO_LARGE, BoundedFetchHandler } from './boundedFetch';
import {
    type BatchResponse,
    batchSchema,
    failureOfStatus,
    headerOf,
    matchUsers,
    type Page,
    pageSchema,
} from './graphAnswers';
import { planLookups, type PlannedRequest, REQUESTS_PER_BATCH, VALUES_PER_REQUEST } from './graphLookupPlan';
import { retryDelayMs, type RetryPolicy } from './retryAfter';

/** What the Graph adapter needs, and nothing else. */
export interface GraphDirectoryOptions {
    /** `https://graph.microsoft.com` (or a national cloud's Graph endpoint; a loopback server in tests). */
    readonly endpoint: string;
    readonly credential: TokenCredential;
    /**
     * Retries of a throttled (429) or unavailable (503/504) batch within the same call, each after its
     * `Retry-After` (at least the adapter's own back-off) and only when that is at most 5 s: a longer wait is left to
     * the objects' own back-off (`retryAt`), never slept through inside a timer pass.
     */
    readonly maxRetries: number;
    /** Pages one request may read (15 values name at most 15 users; more pages mean a broken answer). Default 3. */
    readonly maxPages?: number;
    /** Largest answer read, in bytes. Default 1 MiB (a batch of 300 lookups answers well under 200 KiB). */
    readonly maxAnswerBytes?: number;
    /** Deadline of one HTTP call. Default 20 s. */
    readonly callTimeoutMs?: number;
    /** Waits between in-call retries (tests record them instead of sleeping). */
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
}

/** Waits up to this long inside a call; anything longer becomes the objects' `retryAt`. */
const MAX_INLINE_WAIT_MS = 5_000;
const RETRY: RetryPolicy = { firstMs: 1_000, maxMs: 600_000 };
const RETRIED_STATUSES = new Set([429, 503, 504]);
const NOT_ASKED: DirectoryAnswer = Object.freeze({ kind: 'notAsked' });

/** The adapter's long-lived parts and its memory of Graph asking it to slow down. */
interface Shared {
    readonly client: Client;
    readonly base: URL;
    readonly maxRetries: number;
    readonly maxPages: number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
    /** After a 429, nothing is sent before this (the whole tenant is throttled, not one object). */
    coolDownUntil: number;
}

/** One lookup call's spending. */
interface Spend {
    requests: number;
    calls: number;
    readonly maxRequests: number;
}

/** What one planned request answered: the same for all its objects, or the users matched by value. */
type Resolution = { readonly all: DirectoryAnswer } | { readonly users: ReadonlyMap<string, DirectoryUser> };

const failed = (failure: LookupFailure, retryAt: number | null): DirectoryAnswer => ({
    kind: 'failed',
    failure,
    retryAt,
});

/**
 * The answer for a failed call or request; a 429 also stops the adapter from sending anything before its
 * `Retry-After` (Graph throttles the app in the tenant, not one object).
 */
function failedCall(
    shared: Shared,
    status: number,
    failure: LookupFailure,
    retryAfter: string | null,
    attempt: number,
): DirectoryAnswer {
    const now = shared.now();
    const delay = retryDelayMs(retryAfter, attempt, now, RETRY);
    if (status === 429) shared.coolDownUntil = Math.max(shared.coolDownUntil, now + delay);
    return failed(failure, RETRIED_STATUSES.has(status) ? now + delay : null);
}

function makeClient(base: URL, options: GraphDirectoryOptions): Client {
    const auth = new AuthenticationHandler(
        new TokenCredentialAuthenticationProvider(options.credential, { scopes: [`${base.origin}/.default`] }),
    );
    auth.setNext(
        new BoundedFetchHandler({
            maxBytes: options.maxAnswerBytes ?? 1024 * 1024,
            timeoutMs: options.callTimeoutMs ?? 20_000,
        }),
    );
    return Client.initWithMiddleware({
        middleware: auth,
        baseUrl: base.origin,
        defaultVersion: 'v1.0',
        // The token is attached only to Graph's own hosts unless the endpoint is named here (national clouds, tests).
        customHosts: new Set([base.hostname]),
    });
}

/**
 * The {@link Directory} port on Microsoft Graph v1.0 with the Graph JavaScript client and a managed-identity token.
 * One call is one JSON batch (`POST /$batch`) of up to 20 `GET /users?$filter=<property> in (…15 values…)` requests
 * (default queries: no `ConsistencyLevel` header), see graphLookupPlan.ts. Nothing Graph answers is believed
 * unchecked: every user must carry a value that was asked for (once), next links are followed only on the Graph
 * host and version and at most `maxPages` per request, answers are read only up to `maxAnswerBytes`, and a
 * malformed `Retry-After` falls back to the adapter's back-off. After a 429 the adapter sends nothing until its
 * `Retry-After` has passed.
 * @param options - endpoint, credential, retry bound, limits
 */
export function createGraphDirectory(options: GraphDirectoryOptions): Directory {
    const base = new URL(options.endpoint);
    const shared: Shared = {
        client: makeClient(base, options),
        base,
        maxRetries: options.maxRetries,
        maxPages: options.maxPages ?? 3,
        sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        now: options.now ?? (() => Date.now()),
        coolDownUntil: 0,
    };
    return {
        refsPerRequest: VALUES_PER_REQUEST,
        requestsPerCall: REQUESTS_PER_BATCH,
        lookUp: (groups, maxRequests) => lookUp(shared, groups, maxRequests),
    };
}

async function lookUp(
    shared: Shared,
    groups: readonly (readonly DirectoryObjectRef[])[],
    maxRequests: number,
): Promise<DirectoryLookup> {
    const answers = groups.map((g) => g.map(() => NOT_ASKED));
    const plan = planLookups(groups).slice(0, Math.max(0, Math.min(maxRequests, REQUESTS_PER_BATCH)));
    const spend: Spend = { requests: 0, calls: 0, maxRequests };
    const answer = (request: PlannedRequest, resolution: Resolution): void => {
        for (const m of request.members) {
            const row = answers[m.group];
            if (row === undefined) continue;
            if ('all' in resolution) row[m.index] = resolution.all;
            else {
                const user = resolution.users.get(m.key);
                row[m.index] = user === undefined ? { kind: 'absent' } : { kind: 'found', user };
            }
        }
    };
    if (plan.length === 0) return { answers, requests: 0, calls: 0 };
    if (shared.now() < shared.coolDownUntil) {
        for (const request of plan) answer(request, { all: failed('throttled', shared.coolDownUntil) });
        return { answers, requests: 0, calls: 0 };
    }
    const batch = await sendBatch(shared, spend, plan);
    const responses = 'all' in batch ? null : byId(batch.responses, plan.length);
    for (const [i, request] of plan.entries()) {
        if ('all' in batch) answer(request, batch);
        else if (responses === null) answer(request, { all: failed('invalidAnswer', null) });
        else answer(request, await resolve(shared, spend, request, responses.get(String(i + 1))));
    }
    return { answers, requests: spend.requests, calls: spend.calls };
}

/** The batch's responses by id; null when an id was not sent or comes twice (nothing in it can be matched). */
function byId(responses: readonly BatchResponse[], sent: number): Map<string, BatchResponse> | null {
    const map = new Map<string, BatchResponse>();
    for (const r of responses) {
        const n = Number(r.id);
        if (!Number.isInteger(n) || n < 1 || n > sent || String(n) !== r.id || map.has(r.id)) return null;
        map.set(r.id, r);
    }
    return map;
}

/** Sends the batch, retrying a throttled or unavailable one inside the call only for short waits. */
async function sendBatch(
    shared: Shared,
    spend: Spend,
    plan: readonly PlannedRequest[],
): Promise<{ readonly responses: readonly BatchResponse[] } | { readonly all: DirectoryAnswer }> {
    const body = { requests: plan.map((r, i) => ({ id: String(i + 1), method: 'GET', url: r.url })) };
    for (let retry = 1; ; retry++) {
        spend.requests += plan.length;
        spend.calls++;
        try {
            const parsed = batchSchema.safeParse(await shared.client.api('/$batch').post(body));
            return parsed.success ? parsed.data : { all: failed('invalidAnswer', null) };
        } catch (e) {
            const { status, failure, retryAfter } = describeFailure(e);
            const delay = retryDelayMs(retryAfter, retry, shared.now(), RETRY);
            const affordable = spend.requests + plan.length <= spend.maxRequests;
            if (
                RETRIED_STATUSES.has(status) &&
                retry <= shared.maxRetries &&
                delay <= MAX_INLINE_WAIT_MS &&
                affordable
            ) {
                await shared.sleep(delay);
                continue;
            }
            return { all: failedCall(shared, status, failure, retryAfter, retry) };
        }
    }
}

/** What a failed Graph client call says: its status (-1 without an answer), the reason, its `Retry-After`. */
function describeFailure(e: unknown): { status: number; failure: LookupFailure; retryAfter: string | null } {
    if (!(e instanceof GraphError)) return { status: -1, failure: 'unavailable', retryAfter: null };
    const status = Number.isInteger(e.statusCode) ? e.statusCode : -1;
    const retryAfter = e.headers?.get('retry-after') ?? null;
    if (status === -1) {
        return { status, failure: e.code === ANSWER_TOO_LARGE ? 'answerTooLarge' : 'unavailable', retryAfter };
    }
    return { status, failure: failureOfStatus(status), retryAfter };
}

/**
 * One request's answer inside the batch: its status, its pages (following next links on the Graph host, within the
 * page and request budget), and the identity check of every user.
 */
async function resolve(
    shared: Shared,
    spend: Spend,
    request: PlannedRequest,
    response: BatchResponse | undefined,
): Promise<Resolution> {
    if (response === undefined) return { all: failed('invalidAnswer', null) };
    if (response.status !== 200) {
        const retryAfter = headerOf(response.headers, 'retry-after');
        return { all: failedCall(shared, response.status, failureOfStatus(response.status), retryAfter, 1) };
    }
    const first = pageSchema.safeParse(response.body);
    if (!first.success) return { all: failed('invalidAnswer', null) };
    const users = [...first.data.value];
    let next = first.data['@odata.nextLink'];
    for (let pages = 1; next !== undefined; pages++) {
        if (pages >= shared.maxPages || !isGraphUsersLink(shared.base, next))
            return { all: failed('invalidAnswer', null) };
        // Out of budget: nothing can be concluded about this request's objects yet; they are asked again later.
        if (spend.requests >= spend.maxRequests) return { all: NOT_ASKED };
        const page = await readPage(shared, spend, next);
        if ('all' in page) return page;
        users.push(...page.value);
        next = page['@odata.nextLink'];
    }
    const matched = matchUsers(request, users);
    return matched === null ? { all: failed('invalidAnswer', null) } : { users: matched };
}

/** A next link is followed only to the users collection of the same Graph host and version (never elsewhere). */
function isGraphUsersLink(base: URL, link: string): boolean {
    try {
        const url = new URL(link);
        return url.protocol === 'https:' && url.host === base.host && url.pathname === '/v1.0/users';
    } catch {
        return false;
    }
}

async function readPage(shared: Shared, spend: Spend, link: string): Promise<Page | { readonly all: DirectoryAnswer }> {
    spend.requests++;
    spend.calls++;
    try {
        const parsed = pageSchema.safeParse(await shared.client.api(link).get());
        return parsed.success ? parsed.data : { all: failed('invalidAnswer', null) };
    } catch (e) {
        const { status, failure, retryAfter } = describeFailure(e);
        return { all: failedCall(shared, status, failure, retryAfter, 1) };
    }
}
