import { type Services, createServices } from '../composition';
import { loadConfig } from '../config/loadConfig';
import { ensureError, isConfigError } from '../errors';

type Loaded = { readonly services: Services } | { readonly error: Error };

let loaded: Loaded | undefined;

/**
 * The process's services, built on first use from the app settings. A bad setting is remembered and thrown
 * on every call (a `ConfigError` naming it), so each invocation reports it instead of half-working.
 */
export function getServices(): Services {
    loaded ??= load();
    if ('error' in loaded) throw loaded.error;
    return loaded.services;
}

function load(): Loaded {
    try {
        return { services: createServices(loadConfig(process.env)) };
    } catch (e) {
        const error = ensureError(e);
        // Logged once here with the setting's name; invocations log it again through their context.
        console.error(isConfigError(error) ? error.message : `Start-up failed: ${error.message}`);
        return { error };
    }
}
