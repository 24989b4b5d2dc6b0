import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { ServiceBusClient } from '@azure/service-bus';

import { ConfigError } from '../../errors';

/** The identity-based Service Bus connection (`ServiceBusConnection__*`). */
export interface ServiceBusSettings {
    readonly fullyQualifiedNamespace: string | null;
    readonly clientId: string | null;
}

/**
 * A Service Bus client on the identity-based connection the Functions host uses too
 * (`ServiceBusConnection__fullyQualifiedNamespace`; managed identity `ServiceBusConnection__clientId` when set,
 * else `DefaultAzureCredential`). Nothing connects until the first send or receive.
 * @param config - the loaded config
 * @param purpose - what the caller needs the namespace for, completing the ConfigError when it is missing
 * @param credential - used instead of the one built from the config
 * @throws ConfigError when no namespace is configured
 */
export function createServiceBusClient(
    config: { readonly serviceBus: ServiceBusSettings },
    purpose: string,
    credential?: TokenCredential,
): ServiceBusClient {
    const namespace = config.serviceBus.fullyQualifiedNamespace;
    if (namespace === null)
        throw new ConfigError('ServiceBusConnection__fullyQualifiedNamespace', `is required ${purpose}`);
    const chosen =
        credential ??
        (config.serviceBus.clientId === null
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential({ clientId: config.serviceBus.clientId }));
    return new ServiceBusClient(namespace, chosen);
}
