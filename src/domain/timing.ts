/**
 * The timing settings of a target, described once. Everything else is derived from this table: the defaults
 * ({@link DEFAULT_TIMING}), the app-setting loader and the per-target override schema (src/config/loadConfig.ts),
 * and the settings registry that README, docs/SETTINGS.md and local.settings.sample.json are generated from.
 * Durations are set in seconds and held in milliseconds; counts are held as set.
 */
export const TIMING_SETTINGS = [
    timing(
        'quietMs',
        'SYNC_QUIET_SECONDS',
        'quietSeconds',
        'seconds',
        [0, 3600],
        20,
        'Close a window after this long without new changes (trailing debounce).',
    ),
    timing(
        'maxWaitMs',
        'SYNC_MAX_WAIT_SECONDS',
        'maxWaitSeconds',
        'seconds',
        [0, 86_400],
        300,
        'Never hold a window open longer than this after its first change.',
    ),
    timing(
        'urgentMaxWaitMs',
        'SYNC_URGENT_MAX_WAIT_SECONDS',
        'urgentMaxWaitSeconds',
        'seconds',
        [0, 86_400],
        30,
        'Cap for urgent changes (joiners, password resets, or `urgent: true`); at most SYNC_MAX_WAIT_SECONDS.',
    ),
    timing(
        'minSpacingMs',
        'SYNC_MIN_SPACING_SECONDS',
        'minSpacingSeconds',
        'seconds',
        [0, 86_400],
        60,
        'Minimum time between two cycle starts on a target (Microsoft treats very frequent cycles as unsupported).',
    ),
    timing(
        'runTimeoutMs',
        'SYNC_RUN_TIMEOUT_SECONDS',
        'runTimeoutSeconds',
        'seconds',
        [0, 7 * 86_400],
        3600,
        'Stop a job that has not finished this long after it was created.',
    ),
    timing(
        'pollIntervalMs',
        'SYNC_POLL_INTERVAL_SECONDS',
        'pollIntervalSeconds',
        'seconds',
        [0, 3600],
        15,
        'First poll of a job after creation, and base of the poll back-off.',
    ),
    timing(
        'pollMaxIntervalMs',
        'SYNC_POLL_MAX_INTERVAL_SECONDS',
        'pollMaxIntervalSeconds',
        'seconds',
        [0, 3600],
        60,
        'Upper bound of the poll back-off.',
    ),
    timing(
        'workerOfflineAfterMs',
        'SYNC_WORKER_OFFLINE_SECONDS',
        'workerOfflineSeconds',
        'seconds',
        [0, 86_400],
        180,
        'A job still queued this long after creation means the Hybrid Worker is offline (reported, alerted).',
    ),
    timing(
        'startRetryBudget',
        'SYNC_START_RETRY_BUDGET',
        'startRetryBudget',
        'count',
        [0, 100],
        5,
        'Retries of a transiently failed job creation before the run fails.',
    ),
    timing(
        'maxRunAttempts',
        'SYNC_MAX_RUN_ATTEMPTS',
        'maxRunAttempts',
        'count',
        [1, 10],
        3,
        'Jobs per run when the cycle reports Connect busy for too long (BusyTimeout).',
    ),
    timing(
        'maxWaitingJobs',
        'SYNC_MAX_WAITING_JOBS',
        'maxWaitingJobs',
        'count',
        [0, 1],
        1,
        'Jobs queued behind the running one (0 or 1). With 1, changes that arrive during a cycle get a job at once; its runbook starts the next cycle when the running one ends. With 0 they wait in a window for the run to end.',
    ),
    timing(
        'stopGraceMs',
        'SYNC_STOP_GRACE_SECONDS',
        'stopGraceSeconds',
        'seconds',
        [0, 86_400],
        300,
        'After a stop request, give up waiting for the job to confirm after this long.',
    ),
] as const;

/** One row of {@link TIMING_SETTINGS}. */
export interface TimingSetting<F extends string = string, S extends string = string, O extends string = string> {
    /** The field of {@link TargetTiming}. */
    readonly field: F;
    /** The app setting that sets it for every target. */
    readonly setting: S;
    /** The key that overrides it for one target, in `SYNC_TARGETS[].timing`. */
    readonly override: O;
    /** `seconds`: set in seconds, held in milliseconds. `count`: held as set. */
    readonly unit: 'seconds' | 'count';
    /** Allowed range of the set value, inclusive. */
    readonly min: number;
    readonly max: number;
    /** The set value used when the setting is absent. */
    readonly default: number;
    readonly meaning: string;
}

function timing<F extends string, S extends string, O extends string>(
    field: F,
    setting: S,
    override: O,
    unit: 'seconds' | 'count',
    [min, max]: readonly [number, number],
    defaultValue: number,
    meaning: string,
): TimingSetting<F, S, O> {
    return { field, setting, override, unit, min, max, default: defaultValue, meaning };
}

/** One row of the table, with its literal field, setting and override names. */
export type TimingRow = (typeof TIMING_SETTINGS)[number];

type TimingField = TimingRow['field'];

/**
 * Per-target timing: durations in milliseconds, counts as set. What each field means is in
 * {@link TIMING_SETTINGS} (and README "Settings").
 */
export type TargetTiming = { readonly [F in TimingField]: number };

/**
 * Builds a timing from one set value per row (seconds converted to milliseconds).
 * @param setValue - the value as set (seconds or count) for a row
 */
export function timingFrom(setValue: (setting: TimingRow) => number): TargetTiming {
    const held = (s: TimingRow): number => (s.unit === 'seconds' ? setValue(s) * 1000 : setValue(s));
    const timing: Record<string, number> = {};
    for (const s of TIMING_SETTINGS) timing[s.field] = held(s);
    if (!isTargetTiming(timing)) throw new Error('TIMING_SETTINGS does not cover TargetTiming');
    return timing;
}

function isTargetTiming(value: Record<string, number>): value is TargetTiming {
    return TIMING_SETTINGS.every((s) => typeof value[s.field] === 'number');
}

/** Defaults: a joiner is in a cycle within about a minute; bulk changes coalesce over up to five. */
export const DEFAULT_TIMING: TargetTiming = Object.freeze(timingFrom((s) => s.default));
