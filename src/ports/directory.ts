import type { DirectoryObjectRef, LookupFailure } from '../domain/entraConfirmation';

/** What Microsoft Entra ID says about a user the service looked up. */
export interface DirectoryUser {
    readonly id: string;
    readonly userPrincipalName: string | null;
    readonly onPremisesImmutableId: string | null;
    /** `true` when the object is synced from on-premises AD; null/false: a cloud object (or sync turned off). */
    readonly onPremisesSyncEnabled: boolean | null;
    /** Last time Entra Connect wrote the object, epoch ms; null when never. */
    readonly onPremisesLastSyncAt: number | null;
}

/** The directory's answer about one object of a lookup. */
export type DirectoryAnswer =
    | { readonly kind: 'found'; readonly user: DirectoryUser }
    | { readonly kind: 'absent' }
    /** No answer; `retryAt`: not before this (the directory's own `Retry-After`), null when it said nothing. */
    | { readonly kind: 'failed'; readonly failure: LookupFailure; readonly retryAt: number | null }
    /** Not asked: the call's request budget ended first. */
    | { readonly kind: 'notAsked' };

/** What one lookup call answered and cost. */
export interface DirectoryLookup {
    /** One answer per object, in the shape of the groups asked (`answers[g][i]` for `groups[g][i]`). */
    readonly answers: readonly (readonly DirectoryAnswer[])[];
    /**
     * Directory requests made: the unit the directory throttles (for Graph, each `$filter` request inside a JSON
     * batch, each page and each retry counts; the batch itself is one HTTP call). Never more than `maxRequests`.
     */
    readonly requests: number;
    /** HTTP calls made. */
    readonly calls: number;
}

/**
 * Looks objects up in Microsoft Entra ID (Microsoft Graph with the app's managed identity; a simulated directory
 * locally), many per request and many requests per call, within a request budget the caller sets. Nothing is
 * thrown for a directory that fails or lies: each object gets its answer (`failed` with the reason), and the caller
 * backs that object off on its own.
 */
export interface Directory {
    /** Objects one directory request carries at most (Graph: 15 values in one `$filter … in (…)`). */
    readonly refsPerRequest: number;
    /** Requests one call carries at most (Graph: 20 in one JSON batch). */
    readonly requestsPerCall: number;
    /**
     * Looks the groups' objects up in one call. Objects of different groups never share a request (so a failing
     * object can be isolated), a group larger than a request is split; at most `maxRequests` requests are made and
     * whatever did not fit is answered `notAsked`.
     * @param groups - the objects, grouped
     * @param maxRequests - the caller's budget for this call
     */
    lookUp(groups: readonly (readonly DirectoryObjectRef[])[], maxRequests: number): Promise<DirectoryLookup>;
}
