import { loadConfig } from '../config/loadConfig';
import { ensureError, isConfigError } from '../errors';
import { createServices, type ServiceOverrides, type Services } from './createServices';

let loading: Promise<Services> | undefined;
let processOverrides: ServiceOverrides = {};

/**
 * Ports the embedded local host (`npm start`, src/local) uses instead of the ones the config picks: the
 * simulated Connect server, the in-process stand-in queue, an accelerated clock. Call before the first
 * invocation; in Azure nobody calls it.
 * @param overrides - the ports to inject
 */
export function setServiceOverrides(overrides: ServiceOverrides): void {
    processOverrides = overrides;
}
let configFailure: Error | undefined;

/**
 * The process's services, built on first use from the app settings and started once (tables created). A bad
 * setting is remembered and thrown on every call (a `ConfigError` naming it), so each invocation reports it
 * instead of half-working; a failed start (storage unreachable) is retried by the next invocation.
 */
export function getServices(): Promise<Services> {
    if (configFailure !== undefined) return Promise.reject(configFailure);
    loading ??= start().catch((e: unknown) => {
        loading = undefined;
        throw e;
    });
    return loading;
}

async function start(): Promise<Services> {
    let services: Services;
    try {
        services = createServices(loadConfig(process.env), processOverrides, process.env);
    } catch (e) {
        const error = ensureError(e);
        if (isConfigError(error)) configFailure = error;
        // Logged once here with the setting's name; each invocation logs it again through its context.
        console.error(isConfigError(error) ? error.message : `Start-up failed: ${error.message}`);
        throw error;
    }
    await services.start();
    return services;
}

/**
 * Flushes buffered telemetry when the worker is about to stop, so the last cycle results are not lost with the
 * instance. Never throws: shutdown must not hang on a telemetry outage.
 */
export async function flushServices(): Promise<void> {
    const services = await loading?.catch(() => undefined);
    try {
        await services?.telemetry.flush();
    } catch (e) {
        console.warn(`Telemetry flush at shutdown failed: ${ensureError(e).message}`);
    }
}
