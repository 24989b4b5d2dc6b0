import { z } from 'zod';

import type { LookupFailure } from '../../domain/entraConfirmation';
import type { DirectoryUser } from '../../ports/directory';
import { keyOf, type PlannedRequest } from './graphLookupPlan';

/**
 * Graph's answers as the lookups read them (OData JSON, parsed once; unknown properties ignored), and the checks an
 * answer must pass before it is believed.
 */

const userSchema = z.object({
    id: z.string(),
    userPrincipalName: z.string().nullish(),
    onPremisesImmutableId: z.string().nullish(),
    onPremisesSyncEnabled: z.boolean().nullish(),
    onPremisesLastSyncDateTime: z.string().nullish(),
});

/** A page of `GET /users?$filter=…`: `value` plus `@odata.nextLink` while there is more. */
export const pageSchema = z.object({
    value: z.array(userSchema),
    '@odata.nextLink': z.string().optional(),
});
export type Page = z.infer<typeof pageSchema>;

/** `POST /$batch`'s answer: one response per request, in any order, correlated by `id`. */
export const batchSchema = z.object({
    responses: z.array(
        z.object({
            id: z.string(),
            status: z.number().int(),
            headers: z.record(z.string(), z.string()).optional(),
            body: z.unknown().optional(),
        }),
    ),
});
export type BatchResponse = z.infer<typeof batchSchema>['responses'][number];

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
 * The users of a request's pages, by the value they answer for; null when the answer cannot be believed: a user
 * that carries none of the values asked for, or two users for one value (a UPN and a source anchor each name at
 * most one user of a tenant).
 * @param request - what was asked
 * @param users - every user its pages returned
 */
export function matchUsers(
    request: PlannedRequest,
    users: readonly Page['value'][number][],
): Map<string, DirectoryUser> | null {
    const matched = new Map<string, DirectoryUser>();
    for (const raw of users) {
        const value = request.by === 'userPrincipalName' ? raw.userPrincipalName : raw.onPremisesImmutableId;
        if (value === null || value === undefined) return null;
        const key = keyOf(request.by, value);
        if (!request.values.has(key) || matched.has(key)) return null;
        matched.set(key, toUser(raw));
    }
    return matched;
}

/**
 * What an HTTP status means for a lookup.
 * @param status - the answer's status; -1 when there was none (network, timeout)
 */
export function failureOfStatus(status: number): LookupFailure {
    if (status === 429) return 'throttled';
    if (status === 401 || status === 403) return 'forbidden';
    if (status === 400) return 'badRequest';
    if (status >= 300 && status < 400) return 'invalidAnswer';
    return 'unavailable';
}

/** A header of an inner batch response, whatever its case. */
export function headerOf(headers: Readonly<Record<string, string>> | undefined, name: string): string | null {
    if (headers === undefined) return null;
    const wanted = name.toLowerCase();
    for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
    return null;
}
