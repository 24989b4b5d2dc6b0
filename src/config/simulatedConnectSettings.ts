import { z } from 'zod';

import type { SimulatedConnectOptions } from '../adapters/simulatedConnect/connectServer';
import { decimalNumber, type Env, parseSettings, setting, type SettingFormat } from './settingSchema';

/** `true`/`false` or `1`/`0`, in any letter case: the simulation's switches are set by hand in shells. */
function switchFlag(): SettingFormat<boolean> {
    return {
        format: '`true` or `false`',
        schema: z
            .string({ error: 'is required but not set' })
            .transform((v) => v.toLowerCase())
            .pipe(
                z.enum(['true', 'false', '1', '0'], {
                    error: (i) => `must be true or false, got "${String(i.input)}"`,
                }),
            )
            .transform((v) => v === 'true' || v === '1'),
    };
}

/**
 * The simulated Entra Connect server (AUTOMATION_MODE=simulated: local runs and benchmarks only; docs/LOCAL.md).
 * Parsed only in that mode, so in Azure they are ignored.
 */
export const SIMULATED_CONNECT_SETTINGS = z.object({
    SIMULATED_CONNECT_SEED: setting(decimalNumber(0, 2 ** 31), {
        default: '1',
        description: 'Seed of the simulation’s random choices (same seed, same history).',
    }),
    SIMULATED_CONNECT_WORKER_POLL_SECONDS: setting(decimalNumber(0, 3600), {
        default: '30',
        description:
            'The simulated Hybrid Worker picks up new jobs at its next poll, this often (plus up to 1/6 of it for PowerShell start-up).',
    }),
    SIMULATED_CONNECT_CYCLE_SECONDS: setting(decimalNumber(0, 86_400), {
        default: '40',
        description: 'Duration of a simulated Delta cycle with nothing to import.',
    }),
    SIMULATED_CONNECT_INITIAL_CYCLE_SECONDS: setting(decimalNumber(0, 7 * 86_400), {
        default: '1200',
        description: 'Minimum duration of a simulated Initial (full) cycle.',
    }),
    SIMULATED_CONNECT_PER_CHANGE_MS: setting(decimalNumber(0, 60_000), {
        default: '10',
        description: 'Each change imported adds this many milliseconds to a simulated cycle.',
    }),
    SIMULATED_CONNECT_SCHEDULER_MINUTES: setting(decimalNumber(0, 1440), {
        default: '30',
        description: 'Interval of the simulated built-in scheduler’s own Delta cycles; 0 turns it off.',
    }),
    SIMULATED_CONNECT_STAGING_MODE: setting(switchFlag(), {
        default: 'false',
        description:
            '`true`: the simulated server is in staging mode: jobs report `SkippedStagingMode`, nothing is exported.',
    }),
    SIMULATED_CONNECT_EXPORT_ERROR_RATE: setting(decimalNumber(0, 1), {
        default: '0',
        description: 'Probability (0–1) that a simulated cycle ends with export errors (`CompletedWithExportErrors`).',
    }),
    SIMULATED_CONNECT_FAILURE_RATE: setting(decimalNumber(0, 1), {
        default: '0',
        description: 'Probability (0–1) that a simulated runbook fails outright (`Failed`).',
    }),
    SIMULATED_CONNECT_WORKER: setting(
        {
            format: '`online`, `offline`, `hung`',
            schema: z.string({ error: 'is required but not set' }).pipe(
                z.enum(['online', 'offline', 'hung'], {
                    error: (i) => `must be one of online, offline, hung, got "${String(i.input)}"`,
                }),
            ),
        },
        {
            default: 'online',
            description:
                'Simulated Hybrid Worker: `online`; `offline`: jobs stay queued (the engine reports the worker offline); `hung`: jobs never finish (the engine stops them at the run timeout).',
        },
    ),
});

/**
 * Reads the `SIMULATED_CONNECT_*` settings into simulation options. Read when `AUTOMATION_MODE` is `simulated`
 * (`npm start`, Core Tools `func start`); in Azure it is `azure` and they are ignored.
 * @param env - the environment
 * @throws ConfigError naming a bad setting
 */
export function simulatedConnectOptionsFromEnv(env: Env): Partial<SimulatedConnectOptions> {
    const s = parseSettings(SIMULATED_CONNECT_SETTINGS, env);
    const ms = (seconds: number): number => Math.round(seconds * 1000);
    const cycleMs = ms(s.SIMULATED_CONNECT_CYCLE_SECONDS);
    return {
        seed: s.SIMULATED_CONNECT_SEED,
        workerPollIntervalMs: Math.max(1, ms(s.SIMULATED_CONNECT_WORKER_POLL_SECONDS)),
        // Jitter scales with the poll so that a fast local profile stays fast.
        pickupJitterMs: Math.round(ms(s.SIMULATED_CONNECT_WORKER_POLL_SECONDS) / 6),
        deltaBaseMs: cycleMs,
        initialBaseMs: ms(s.SIMULATED_CONNECT_INITIAL_CYCLE_SECONDS),
        perChangeMs: s.SIMULATED_CONNECT_PER_CHANGE_MS,
        resultCollectionMs: Math.min(3_000, cycleMs / 10),
        // The runbook's PollSeconds (5 s) for the default 40 s cycle; a fast local profile polls as much faster, or
        // its jobs would end 1 to 2 polls of 5 s after each 1 s cycle.
        busyPollMs: Math.max(1, Math.round(Math.min(5_000, cycleMs / 8))),
        schedulerIntervalMs: Math.round(s.SIMULATED_CONNECT_SCHEDULER_MINUTES * 60_000),
        stagingMode: s.SIMULATED_CONNECT_STAGING_MODE,
        exportErrorRate: s.SIMULATED_CONNECT_EXPORT_ERROR_RATE,
        failureRate: s.SIMULATED_CONNECT_FAILURE_RATE,
        worker: s.SIMULATED_CONNECT_WORKER,
    };
}
