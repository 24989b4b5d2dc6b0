import type { TokenCredential } from '@azure/identity';
import {
    AuthenticationHandler,
    Client,
    GraphError,
    HTTPMessageHandler,
    RetryHandler,
    RetryHandlerOptions,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { z } from 'zod';

import type { DirectoryObjectRef } from '../../domain/entraConfirmation';
import type { Directory, DirectoryUser } from '../../ports/directory';

/** What the Graph adapter needs, and nothing else. */
export interface GraphDirectoryOptions {
    /** `https://graph.microsoft.com` (or a national cloud's Graph endpoint; a loopback server in tests). */
    readonly endpoint: string;
    readonly credential: TokenCredential;
    /** Retries of a throttled (429) or unavailable (503/504) call; each waits the answer's `Retry-After`. */
    readonly maxRetries: number;
    /** Pages of a filtered collection read at most (an anchor matches one user; this only bounds a broken answer). */
    readonly maxPages?: number;
}

/** The properties read: nothing beyond what the confirmation needs (User.Read.All covers them). */
const SELECT = [
    'id',
    'userPrincipalName',
    'onPremisesImmutableId',
    'onPremisesSyncEnabled',
    'onPremisesLastSyncDateTime',
];

/** One user as Graph's OData JSON answers it; unknown properties ignored. */
const userSchema = z.object({
    id: z.string(),
    userPrincipalName: z.string().nullish(),
    onPremisesImmutableId: z.string().nullish(),
    onPremisesSyncEnabled: z.boolean().nullish(),
    onPremisesLastSyncDateTime: z.string().nullish(),
});

/** A page of `GET /users?$filter=…`: `value` plus `@odata.nextLink` while there is more. */
const pageSchema = z.object({
    value: z.array(userSchema),
    '@odata.nextLink': z.string().optional(),
});

/** The adapter's typed failure: Graph answered something the service cannot use (after the retries). */
export class DirectoryLookupError extends Error {
    readonly code = 'DIRECTORY_LOOKUP_FAILED';
    constructor(
        message: string,
        readonly statusCode: number | null,
    ) {
        super(message);
        this.name = 'DirectoryLookupError';
    }
}

function toUser(raw: z.infer<typeof userSchema>): DirectoryUser {
    const lastSync = Date.parse(raw.onPremisesLastSyncDateTime ?? '');
    return {
        id: raw.id,
        userPrincipalName: raw.userPrincipalName ?? null,
        onPremisesImmutableId: raw.onPremisesImmutableId ?? null,
        onPremisesSyncEnabled: raw.onPremisesSyncEnabled ?? null,
        onPremisesLastSyncAt: Number.isNaN(lastSync) ? null : lastSync,
    };
}

/**
 * An OData string literal (single quotes doubled), percent-encoded: the Graph client puts `$filter` into the URL as
 * given, and a base64 anchor's `+` would otherwise arrive as a space.
 */
const odataString = (value: string): string => `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;

/**
 * The {@link Directory} port on Microsoft Graph v1.0 with the Graph JavaScript client and a managed-identity
 * token. Anchors are found with `GET /users?$filter=onPremisesImmutableId eq '…'` (a default query: no
 * `ConsistencyLevel` header needed), following `@odata.nextLink`; UPNs with `GET /users/{upn}` (404: none).
 * Throttling: the client's retry handler waits `Retry-After` on 429/503/504, at most `maxRetries` times.
 * @param options - endpoint, credential, retry bound
 */
export function createGraphDirectory(options: GraphDirectoryOptions): Directory {
    const base = new URL(options.endpoint);
    const maxPages = options.maxPages ?? 10;
    const auth = new AuthenticationHandler(
        new TokenCredentialAuthenticationProvider(options.credential, {
            scopes: [`${base.origin}/.default`],
        }),
    );
    const retry = new RetryHandler(new RetryHandlerOptions(1, options.maxRetries));
    const send = new HTTPMessageHandler();
    auth.setNext(retry);
    retry.setNext(send);
    const client = Client.initWithMiddleware({
        middleware: auth,
        baseUrl: base.origin,
        defaultVersion: 'v1.0',
        // The token is attached only to Graph's own hosts unless the endpoint is named here (national clouds, tests).
        customHosts: new Set([base.hostname]),
    });

    async function byUpn(upn: string): Promise<DirectoryUser | null> {
        try {
            const answer: unknown = await client
                .api(`/users/${encodeURIComponent(upn)}`)
                .select(SELECT)
                .get();
            return toUser(parse(userSchema, answer));
        } catch (e) {
            if (e instanceof GraphError && e.statusCode === 404) return null;
            throw failure(e);
        }
    }

    async function byAnchor(anchor: string): Promise<DirectoryUser | null> {
        try {
            let page = parse(
                pageSchema,
                await client
                    .api('/users')
                    .filter(`onPremisesImmutableId eq ${odataString(anchor)}`)
                    .select(SELECT)
                    .get(),
            );
            for (let pages = 1; ; pages++) {
                const match = page.value.find((u) => u.onPremisesImmutableId === anchor);
                if (match !== undefined) return toUser(match);
                const next = page['@odata.nextLink'];
                if (next === undefined || pages >= maxPages) return null;
                page = parse(pageSchema, await client.api(next).get());
            }
        } catch (e) {
            throw failure(e);
        }
    }

    return {
        findUser: (ref: DirectoryObjectRef) =>
            ref.by === 'userPrincipalName' ? byUpn(ref.value) : byAnchor(ref.value),
    };
}

function parse<T>(schema: z.ZodType<T>, answer: unknown): T {
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new DirectoryLookupError('Graph answered with an unexpected shape', null);
    return parsed.data;
}

function failure(e: unknown): Error {
    if (e instanceof DirectoryLookupError) return e;
    if (e instanceof GraphError) {
        return new DirectoryLookupError(`Graph answered ${e.statusCode} ${e.code ?? ''}`.trim(), e.statusCode);
    }
    return new DirectoryLookupError(`Graph call failed: ${e instanceof Error ? e.message : String(e)}`, null);
}
