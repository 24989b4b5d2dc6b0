/**
 * The timing settings of a target, described once: for each field of the domain's {@link TargetTiming}, the app
 * setting that sets it for every target, the key that overrides it for one target (`SYNC_TARGETS[].timing`), its
 * unit, range and meaning; its default is the domain's {@link DEFAULT_TIMING}. The app settings' schema, the override
 * schema, the loader and the docs' rows are all derived from this table. Durations are set in seconds and held in
 * milliseconds; counts are held as set.
 */
import { z } from 'zod';

import { DEFAULT_TIMING, type TargetTiming } from '../domain/timing';
import { ConfigError } from '../errors';
import { setting, wholeNumber } from './settingSchema';

interface TimingRow {
    /** The app setting that sets it for every target. */
    readonly setting: string;
    /** The key that overrides it for one target, in `SYNC_TARGETS[].timing`. */
    readonly override: string;
    /** `seconds`: set in seconds, held in milliseconds. `count`: held as set. */
    readonly unit: 'seconds' | 'count';
    /** Allowed range of the set value, inclusive. */
    readonly min: number;
    readonly max: number;
    readonly meaning: string;
}

type TimingField = keyof TargetTiming;

const DAY = 86_400;

const TIMING: { readonly [F in TimingField]: TimingRow } = {
    quietMs: {
        setting: 'SYNC_QUIET_SECONDS',
        override: 'quietSeconds',
        unit: 'seconds',
        min: 0,
        max: 3600,
        meaning: 'Close a window after this long without new changes (trailing debounce).',
    },
    maxWaitMs: {
        setting: 'SYNC_MAX_WAIT_SECONDS',
        override: 'maxWaitSeconds',
        unit: 'seconds',
        min: 0,
        max: DAY,
        meaning: 'Never hold a window open longer than this after its first change.',
    },
    urgentMaxWaitMs: {
        setting: 'SYNC_URGENT_MAX_WAIT_SECONDS',
        override: 'urgentMaxWaitSeconds',
        unit: 'seconds',
        min: 0,
        max: DAY,
        meaning: 'Cap for urgent changes (joiners, password resets, or `urgent: true`).',
    },
    minSpacingMs: {
        setting: 'SYNC_MIN_SPACING_SECONDS',
        override: 'minSpacingSeconds',
        unit: 'seconds',
        min: 0,
        max: DAY,
        meaning:
            'Minimum time between two cycle starts on a target (Microsoft treats very frequent cycles as unsupported).',
    },
    runTimeoutMs: {
        setting: 'SYNC_RUN_TIMEOUT_SECONDS',
        override: 'runTimeoutSeconds',
        unit: 'seconds',
        min: 1,
        max: 7 * DAY,
        meaning: 'Stop a job that has not finished this long after it was created.',
    },
    pollIntervalMs: {
        setting: 'SYNC_POLL_INTERVAL_SECONDS',
        override: 'pollIntervalSeconds',
        unit: 'seconds',
        min: 1,
        max: 3600,
        meaning: 'First poll of a job after creation, and base of the poll back-off.',
    },
    pollMaxIntervalMs: {
        setting: 'SYNC_POLL_MAX_INTERVAL_SECONDS',
        override: 'pollMaxIntervalSeconds',
        unit: 'seconds',
        min: 1,
        max: 3600,
        meaning: 'Upper bound of the poll back-off.',
    },
    workerOfflineAfterMs: {
        setting: 'SYNC_WORKER_OFFLINE_SECONDS',
        override: 'workerOfflineSeconds',
        unit: 'seconds',
        min: 0,
        max: DAY,
        meaning: 'A job still queued this long after creation means the Hybrid Worker is offline (reported, alerted).',
    },
    startRetryBudget: {
        setting: 'SYNC_START_RETRY_BUDGET',
        override: 'startRetryBudget',
        unit: 'count',
        min: 0,
        max: 100,
        meaning: 'Retries of a transiently failed job creation before the run fails.',
    },
    maxRunAttempts: {
        setting: 'SYNC_MAX_RUN_ATTEMPTS',
        override: 'maxRunAttempts',
        unit: 'count',
        min: 1,
        max: 10,
        meaning: 'Jobs per run when the cycle reports Connect busy for too long (BusyTimeout).',
    },
    maxWaitingJobs: {
        setting: 'SYNC_MAX_WAITING_JOBS',
        override: 'maxWaitingJobs',
        unit: 'count',
        min: 0,
        max: 1,
        meaning:
            'Jobs queued behind the running one (0 or 1). With 1, changes that arrive during a cycle get a job at once; its runbook starts the next cycle when the running one ends. With 0 they wait in a window for the run to end.',
    },
    stopGraceMs: {
        setting: 'SYNC_STOP_GRACE_SECONDS',
        override: 'stopGraceSeconds',
        unit: 'seconds',
        min: 0,
        max: DAY,
        meaning: 'After a stop request, give up waiting for the job to confirm after this long.',
    },
};

/**
 * Relations between two fields that single ranges cannot express: `field` must not exceed `atMost`. The set
 * values are compared (`runTimeout` at least `pollInterval`: both in seconds). The docs state each (`described`).
 */
const RELATIONS: readonly { readonly field: TimingField; readonly atMost: TimingField }[] = [
    { field: 'urgentMaxWaitMs', atMost: 'maxWaitMs' },
    { field: 'quietMs', atMost: 'maxWaitMs' },
    { field: 'pollIntervalMs', atMost: 'pollMaxIntervalMs' },
    { field: 'pollIntervalMs', atMost: 'runTimeoutMs' },
];

/** The fields in the table's order (the docs' order). */
const FIELDS = Object.keys(TIMING).filter((f): f is TimingField => f in DEFAULT_TIMING);

/** A held value (ms for durations) as it is set (seconds), and back. */
const setValue = (field: TimingField, held: number): number => (TIMING[field].unit === 'seconds' ? held / 1000 : held);
const heldValue = (field: TimingField, set: number): number => (TIMING[field].unit === 'seconds' ? set * 1000 : set);

/** A field's meaning, with the relations it takes part in (`At most SYNC_MAX_WAIT_SECONDS.`). */
function described(field: TimingField): string {
    const names = (fields: readonly TimingField[]): string => fields.map((f) => TIMING[f].setting).join(' and ');
    const atMost = RELATIONS.filter((r) => r.field === field).map((r) => r.atMost);
    const atLeast = RELATIONS.filter((r) => r.atMost === field).map((r) => r.field);
    return [
        TIMING[field].meaning,
        ...(atMost.length === 0 ? [] : [`At most ${names(atMost)}.`]),
        ...(atLeast.length === 0 ? [] : [`At least ${names(atLeast)}.`]),
    ].join(' ');
}

/** The timing app settings (`SYNC_QUIET_SECONDS`, …), one per field, with the domain's defaults. */
export const TIMING_SETTINGS = z.object(
    Object.fromEntries(
        FIELDS.map((field) => {
            const row = TIMING[field];
            return [
                row.setting,
                setting(wholeNumber(row.min, row.max), {
                    default: String(setValue(field, DEFAULT_TIMING[field])),
                    description: described(field),
                }),
            ];
        }),
    ),
);

/** `SYNC_TARGETS[].timing`: any timing field by its override key, as set (seconds or count), each in its range. */
export const timingOverridesSchema = z
    .object(
        Object.fromEntries(
            FIELDS.map((field) => {
                const { override, min, max } = TIMING[field];
                const range = {
                    error: (issue: { input: unknown }) =>
                        `must be between ${min} and ${max}, got ${String(issue.input)}`,
                };
                const number = z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' });
                return [override, number.min(min, range).max(max, range).optional()];
            }),
        ),
    )
    .strict();

/** The override keys, for the docs of SYNC_TARGETS. */
export const TIMING_OVERRIDE_KEYS: readonly string[] = FIELDS.map((field) => TIMING[field].override);

function timingFrom(set: (field: TimingField) => number): TargetTiming {
    const held = (field: TimingField): number => heldValue(field, set(field));
    return {
        quietMs: held('quietMs'),
        maxWaitMs: held('maxWaitMs'),
        urgentMaxWaitMs: held('urgentMaxWaitMs'),
        minSpacingMs: held('minSpacingMs'),
        runTimeoutMs: held('runTimeoutMs'),
        pollIntervalMs: held('pollIntervalMs'),
        pollMaxIntervalMs: held('pollMaxIntervalMs'),
        workerOfflineAfterMs: held('workerOfflineAfterMs'),
        startRetryBudget: held('startRetryBudget'),
        maxRunAttempts: held('maxRunAttempts'),
        maxWaitingJobs: held('maxWaitingJobs'),
        stopGraceMs: held('stopGraceMs'),
    };
}

/**
 * Throws on the first broken relation, naming the field that was set: the constrained one when both (or neither)
 * were, else the limit.
 */
function checkRelations(
    timing: TargetTiming,
    nameOf: (field: TimingField) => string,
    wasSet: (field: TimingField) => boolean,
): void {
    for (const { field, atMost } of RELATIONS) {
        const [value, limit] = [setValue(field, timing[field]), setValue(atMost, timing[atMost])];
        if (value <= limit) continue;
        if (wasSet(field) || !wasSet(atMost)) {
            throw new ConfigError(nameOf(field), `must not exceed ${nameOf(atMost)} (${limit}), got ${value}`);
        }
        throw new ConfigError(nameOf(atMost), `must be at least ${nameOf(field)} (${value}), got ${limit}`);
    }
}

/**
 * The timing every target starts from: the SYNC_* settings as parsed.
 * @param parsed - {@link TIMING_SETTINGS} parsed
 * @param isSet - whether a setting was set (not defaulted): a broken relation names the one that was
 * @throws ConfigError naming the setting that breaks a relation
 */
export function globalTiming(parsed: Readonly<Record<string, number>>, isSet: (name: string) => boolean): TargetTiming {
    const timing = timingFrom((field) => parsed[TIMING[field].setting] ?? setValue(field, DEFAULT_TIMING[field]));
    checkRelations(
        timing,
        (field) => TIMING[field].setting,
        (field) => isSet(TIMING[field].setting),
    );
    return timing;
}

/**
 * A target's timing: the global timing with the target's overrides.
 * @param base - the global timing
 * @param overrides - the target's `timing`, parsed by {@link timingOverridesSchema}
 * @param where - the target in the setting, e.g. `SYNC_TARGETS[0].timing`
 * @throws ConfigError naming the override that breaks a relation
 */
export function targetTiming(
    base: TargetTiming,
    overrides: Readonly<Record<string, number | undefined>> | undefined,
    where: string,
): TargetTiming {
    if (overrides === undefined) return base;
    const overridden = (field: TimingField): boolean => overrides[TIMING[field].override] !== undefined;
    const timing = timingFrom((field) => overrides[TIMING[field].override] ?? setValue(field, base[field]));
    // A value the target does not override comes from its SYNC_* setting, and is named so.
    const nameOf = (field: TimingField): string =>
        overridden(field) ? `${where}.${TIMING[field].override}` : TIMING[field].setting;
    checkRelations(timing, nameOf, overridden);
    return timing;
}
