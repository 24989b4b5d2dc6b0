import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

/**
 * The credential for Azure Resource Manager, built once per process: the user-assigned managed identity when
 * its client id is configured (explicit, fails fast, no credential chain), developer credentials otherwise
 * (Azure CLI, azd, VS Code, environment).
 * @param clientId - AZURE_CLIENT_ID, or null
 */
export function createArmCredential(clientId: string | null): TokenCredential {
    return clientId === null ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId });
}
