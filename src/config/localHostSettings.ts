import { join, resolve } from 'node:path';

import { z } from 'zod';

import {
    anyText,
    decimalNumber,
    type Env,
    oneOf,
    optionalSetting,
    parseSettings,
    setting,
    wholeNumber,
} from './settingSchema';

/** `npm start`'s own settings (docs/LOCAL.md); Azure never reads them. */
export const LOCAL_HOST_SETTINGS = z.object({
    LOCAL_HTTP_PORT: setting(wholeNumber(0, 65_535), {
        default: '7071',
        description: '`npm start`: HTTP port of the embedded local host (`0`: any free port).',
    }),
    LOCAL_STORAGE: optionalSetting(oneOf(['azurite', 'memory', 'external']), {
        description:
            '`npm start`: `azurite` (started for you, data in `<LOCAL_DATA_DIR>/azurite`), `memory` (nothing kept), or `external` (use AzureWebJobsStorage as given). Default: `azurite`, or `external` when AzureWebJobsStorage names something other than `UseDevelopmentStorage=true`.',
    }),
    LOCAL_DATA_DIR: setting(anyText(), {
        default: '.local',
        description:
            '`npm start`: folder for local state: Azurite keeps its data in `<dir>/azurite`, the simulated Connect server its journal in `<dir>/simulated-connect.jsonl`; delete it to start from scratch.',
    }),
    LOCAL_TIME_SCALE: setting(decimalNumber(1, 1000), {
        default: '1',
        description:
            '`npm start`: run the clock this many times faster than real time (all timing, wake-ups, timers and the simulation; demos).',
    }),
});

/** How `npm start` runs, from its settings. */
export interface LocalHostSettings {
    readonly port: number;
    readonly storage: 'azurite' | 'memory' | 'external';
    /** LOCAL_DATA_DIR as set (relative to the repository root unless absolute). */
    readonly dataDir: string;
    /** Azurite's data folder under it. */
    readonly azuriteLocation: string;
    readonly timeScale: number;
}

/**
 * Reads `npm start`'s settings.
 * @param settings - the merged local settings (built-in defaults, local.settings.json, environment)
 * @param root - the repository root, against which a relative LOCAL_DATA_DIR is resolved
 * @throws ConfigError naming a bad setting
 */
export function localHostSettings(settings: Env, root: string): LocalHostSettings {
    const s = parseSettings(LOCAL_HOST_SETTINGS, settings);
    const storage = settings.AzureWebJobsStorage?.trim();
    const external = storage !== undefined && storage !== '' && storage !== 'UseDevelopmentStorage=true';
    return {
        port: s.LOCAL_HTTP_PORT,
        storage: s.LOCAL_STORAGE ?? (external ? 'external' : 'azurite'),
        dataDir: s.LOCAL_DATA_DIR,
        azuriteLocation: join(resolve(root, s.LOCAL_DATA_DIR), 'azurite'),
        timeScale: s.LOCAL_TIME_SCALE,
    };
}
