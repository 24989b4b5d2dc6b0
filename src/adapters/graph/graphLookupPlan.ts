import type { DirectoryObjectRef } from '../../domain/entraConfirmation';

/**
 * How lookups become Microsoft Graph requests (pure; the Graph adapter sends them, the simulated directory counts
 * them the same way):
 * - one request per at most {@link VALUES_PER_REQUEST} values of one property:
 *   `GET /users?$filter=<property> in ('v1','v2',…)&$select=…`. Both properties support `in` on a default query
 *   (user resource: `userPrincipalName`, `onPremisesImmutableId`: "Supports $filter (eq, ne, not, ge, le, in)"),
 *   and Graph's known issues limit `in` to 15 expressions on a default query;
 * - the request's URL stays under {@link MAX_REQUEST_URL} characters (long UPNs make fewer values per request);
 * - at most {@link REQUESTS_PER_BATCH} requests per JSON batch (`POST /$batch`, "limited to 20 individual requests").
 * Each request inside a batch is evaluated against Graph's throttling limits on its own, so requests (not batches)
 * are the cost: `GET users` with `$select` is 1 resource unit (Graph throttling limits, identity and access).
 */
export const VALUES_PER_REQUEST = 15;
export const REQUESTS_PER_BATCH = 20;
/** Graph's URL limit is 2,048 characters; the batch's relative URL leaves room for the host and version. */
const MAX_REQUEST_URL = 1900;

/** The properties read: nothing beyond what the confirmation needs (User.Read.All covers them). */
const SELECT = [
    'id',
    'userPrincipalName',
    'onPremisesImmutableId',
    'onPremisesSyncEnabled',
    'onPremisesLastSyncDateTime',
] as const;

/** Where an object of the caller's groups sits: `groups[group][index]`. */
interface Member {
    readonly group: number;
    readonly index: number;
    /** The value compared with Graph's answer (a UPN lower-cased: Graph compares UPNs case-insensitively). */
    readonly key: string;
}

/** One Graph request of a lookup. */
export interface PlannedRequest {
    readonly by: DirectoryObjectRef['by'];
    /** The distinct values asked for, by their key. */
    readonly values: ReadonlyMap<string, string>;
    readonly members: readonly Member[];
    /** Relative to the version (`/users?…`), percent-encoded: a base64 anchor's `+` must not arrive as a space. */
    readonly url: string;
}

/** How an answer's value is compared with the one asked for. */
export const keyOf = (by: DirectoryObjectRef['by'], value: string): string =>
    by === 'userPrincipalName' ? value.toLowerCase() : value;

/** The Graph property each kind of reference is found by. */
const PROPERTY = { immutableId: 'onPremisesImmutableId', userPrincipalName: 'userPrincipalName' } as const;

/** An OData string literal: single quotes doubled. */
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

function urlOf(by: DirectoryObjectRef['by'], values: Iterable<string>): string {
    const filter = `${PROPERTY[by]} in (${[...values].map(literal).join(',')})`;
    return `/users?$filter=${encodeURIComponent(filter)}&$select=${SELECT.join(',')}`;
}

/** Whether one more value still fits the request (15 values, and the URL limit). */
function fits(by: DirectoryObjectRef['by'], values: ReadonlyMap<string, string>, value: string): boolean {
    if (values.size === 0) return true;
    if (values.size >= VALUES_PER_REQUEST) return false;
    return urlOf(by, [...values.values(), value]).length <= MAX_REQUEST_URL;
}

/**
 * The requests for one group's objects of one kind.
 * @param group - the group's objects
 * @param g - the group's index
 */
function requestsOf(group: readonly DirectoryObjectRef[], g: number, by: DirectoryObjectRef['by']): PlannedRequest[] {
    const requests: PlannedRequest[] = [];
    let values = new Map<string, string>();
    let members: Member[] = [];
    const flush = (): void => {
        if (members.length > 0) requests.push({ by, values, members, url: urlOf(by, values.values()) });
        values = new Map();
        members = [];
    };
    group.forEach((ref, index) => {
        if (ref.by !== by) return;
        const key = keyOf(by, ref.value);
        if (!values.has(key)) {
            if (!fits(by, values, ref.value)) flush();
            values.set(key, ref.value);
        }
        members.push({ group: g, index, key });
    });
    flush();
    return requests;
}

/**
 * The requests that look the groups' objects up, in the groups' order. Objects of different groups never share a
 * request; within a group, anchors and UPNs go to requests of their own property.
 * @param groups - the caller's groups of objects
 */
export function planLookups(groups: readonly (readonly DirectoryObjectRef[])[]): PlannedRequest[] {
    return groups.flatMap((group, g) => [
        ...requestsOf(group, g, 'immutableId'),
        ...requestsOf(group, g, 'userPrincipalName'),
    ]);
}
