import { readFileSync } from 'node:fs';

import { z } from 'zod';

import type { Env } from '../config/loadConfig';

/**
 * What `npm start` runs with when nothing is configured: one simulated target, simulated Automation. Every
 * value can be overridden by `local.settings.json` (`Values`) and then by the environment.
 */
export const LOCAL_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
    SYNC_TARGETS: JSON.stringify([
        {
            id: 'local',
            subscriptionId: '00000000-0000-0000-0000-000000000000',
            resourceGroup: 'rg-entra-sync-local',
            automationAccount: 'aa-entra-sync-local',
            runbook: 'Start-EntraSyncCycle',
            hybridWorkerGroup: 'entra-connect-simulated',
        },
    ]),
    AUTOMATION_MODE: 'simulated',
    AUTH_MODE: 'functionKeys',
});

const localSettingsSchema = z.object({ Values: z.record(z.string(), z.string()).optional() });

/**
 * The `Values` of a `local.settings.json`, or nothing when the file is absent.
 * @param path - the file
 */
export function readLocalSettings(path: string): Record<string, string> {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        return {};
    }
    const parsed = localSettingsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${path} is not a local.settings.json ({ "Values": { name: string } })`);
    return parsed.data.Values ?? {};
}

/**
 * Built-in defaults, then `local.settings.json`, then the environment; empty values count as unset.
 * @param fileValues - `Values` of local.settings.json
 * @param env - the process environment
 */
export function mergeLocalSettings(fileValues: Readonly<Record<string, string>>, env: Env): Record<string, string> {
    const merged: Record<string, string> = { ...LOCAL_DEFAULTS };
    for (const source of [fileValues, env]) {
        for (const [name, value] of Object.entries(source)) {
            if (value !== undefined && value.trim() !== '') merged[name] = value;
        }
    }
    return merged;
}
