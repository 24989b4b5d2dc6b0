import type { SimulatedDirectoryOptions } from '../adapters/simulatedDirectory/simulatedDirectory';
import { ConfigError } from '../errors';
import type { Env } from './loadConfig';
import { type SettingName, settingSpec } from './settings';

function number(env: Env, name: SettingName, min: number, max: number): number {
    const text = env[name]?.trim() || settingSpec(name).default || '';
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
        throw new ConfigError(name, `must be a number between ${min} and ${max}, got "${text}"`);
    }
    return value;
}

/**
 * Reads the `SIMULATED_DIRECTORY_*` settings (local runs with ENTRA_CONFIRMATION=on and AUTOMATION_MODE=simulated).
 * @param env - the environment
 */
export function simulatedDirectoryOptionsFromEnv(env: Env): SimulatedDirectoryOptions {
    return {
        lagRate: number(env, 'SIMULATED_DIRECTORY_LAG_RATE', 0, 1),
        lagMs: Math.round(number(env, 'SIMULATED_DIRECTORY_LAG_SECONDS', 0, 86_400) * 1000),
    };
}
