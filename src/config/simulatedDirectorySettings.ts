import { z } from 'zod';

import type { SimulatedDirectoryOptions } from '../adapters/simulatedDirectory/simulatedDirectory';
import { decimalNumber, type Env, parseSettings, setting } from './settingSchema';

/** The simulated Entra ID (ENTRA_CONFIRMATION=on with AUTOMATION_MODE=simulated: local runs only). */
export const SIMULATED_DIRECTORY_SETTINGS = z.object({
    SIMULATED_DIRECTORY_LAG_RATE: setting(decimalNumber(0, 1), {
        default: '0',
        description:
            'Simulated Entra ID (ENTRA_CONFIRMATION=on, AUTOMATION_MODE=simulated): probability (0–1) that an object reaches the domain controller the Connect server reads only after SIMULATED_DIRECTORY_LAG_SECONDS (one extra run follows).',
    }),
    SIMULATED_DIRECTORY_LAG_SECONDS: setting(decimalNumber(0, 86_400), {
        default: '300',
        description: 'Replication lag of a lagging simulated object.',
    }),
});

/**
 * Reads the `SIMULATED_DIRECTORY_*` settings.
 * @param env - the environment
 * @throws ConfigError naming a bad setting
 */
export function simulatedDirectoryOptionsFromEnv(env: Env): SimulatedDirectoryOptions {
    const s = parseSettings(SIMULATED_DIRECTORY_SETTINGS, env);
    return {
        lagRate: s.SIMULATED_DIRECTORY_LAG_RATE,
        lagMs: Math.round(s.SIMULATED_DIRECTORY_LAG_SECONDS * 1000),
    };
}
