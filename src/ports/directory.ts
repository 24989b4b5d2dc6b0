import type { DirectoryObjectRef } from '../domain/entraConfirmation';

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

/**
 * Looks objects up in Microsoft Entra ID (Microsoft Graph with the app's managed identity; a simulated directory
 * locally). Throttling and transient failures are retried inside the adapter within a bound; what is still failing
 * is thrown (the caller tries again on its next pass).
 */
export interface Directory {
    /** The user with this anchor (`onPremisesImmutableId`) or UPN, or null when Entra ID has none. */
    findUser(ref: DirectoryObjectRef): Promise<DirectoryUser | null>;
}
