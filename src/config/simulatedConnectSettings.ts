import type { SimulatedConnectOptions, WorkerState } from '../adapters/simulatedConnect/connectServer';
import { ConfigError } from '../errors';
import type { Env } from './loadConfig';
import { type SettingName, settingSpec } from './settings';

function raw(env: Env, name: SettingName): string {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
    const fallback = settingSpec(name).default;
    if (fallback === undefined) throw new ConfigError(name, 'is required but not set');
    return fallback;
}

function number(env: Env, name: SettingName, min: number, max: number): number {
    const text = raw(env, name);
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
        throw new ConfigError(name, `must be a number between ${min} and ${max}, got "${text}"`);
    }
    return value;
}

function worker(env: Env): WorkerState {
    const text = raw(env, 'SIMULATED_CONNECT_WORKER');
    if (text === 'online' || text === 'offline' || text === 'hung') return text;
    throw new ConfigError('SIMULATED_CONNECT_WORKER', `must be one of online, offline, hung, got "${text}"`);
}

function flag(env: Env, name: SettingName): boolean {
    const text = raw(env, name).toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw new ConfigError(name, `must be true or false, got "${text}"`);
}

/**
 * Reads the `SIMULATED_CONNECT_*` settings (registered in src/config/settings.ts) into simulation options.
 * Read when `AUTOMATION_MODE` is `simulated` (`npm start`, Core Tools `func start`); in Azure it is `azure` and they
 * are ignored.
 * @param env - the environment
 */
export function simulatedConnectOptionsFromEnv(env: Env): Partial<SimulatedConnectOptions> {
    const seconds = (name: SettingName, max: number) => Math.round(number(env, name, 0, max) * 1000);
    return {
        seed: number(env, 'SIMULATED_CONNECT_SEED', 0, 2 ** 31),
        workerPollIntervalMs: Math.max(1, seconds('SIMULATED_CONNECT_WORKER_POLL_SECONDS', 3600)),
        // Jitter scales with the poll so that a fast local profile stays fast.
        pickupJitterMs: Math.round(seconds('SIMULATED_CONNECT_WORKER_POLL_SECONDS', 3600) / 6),
        deltaBaseMs: seconds('SIMULATED_CONNECT_CYCLE_SECONDS', 86_400),
        initialBaseMs: seconds('SIMULATED_CONNECT_INITIAL_CYCLE_SECONDS', 7 * 86_400),
        perChangeMs: number(env, 'SIMULATED_CONNECT_PER_CHANGE_MS', 0, 60_000),
        resultCollectionMs: Math.min(3_000, seconds('SIMULATED_CONNECT_CYCLE_SECONDS', 86_400) / 10),
        // The runbook's PollSeconds (5 s) for the default 40 s cycle; a fast local profile polls as much faster, or
        // its jobs would end 1 to 2 polls of 5 s after each 1 s cycle.
        busyPollMs: Math.max(1, Math.round(Math.min(5_000, seconds('SIMULATED_CONNECT_CYCLE_SECONDS', 86_400) / 8))),
        schedulerIntervalMs: Math.round(number(env, 'SIMULATED_CONNECT_SCHEDULER_MINUTES', 0, 1440) * 60_000),
        stagingMode: flag(env, 'SIMULATED_CONNECT_STAGING_MODE'),
        exportErrorRate: number(env, 'SIMULATED_CONNECT_EXPORT_ERROR_RATE', 0, 1),
        failureRate: number(env, 'SIMULATED_CONNECT_FAILURE_RATE', 0, 1),
        worker: worker(env),
    };
}
