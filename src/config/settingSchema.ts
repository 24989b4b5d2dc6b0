/**
 * How a setting is described once: a zod schema that parses its text, registered with what the docs say about it
 * (default, whether infra sets it, the values it takes, its meaning). The loaders parse app settings with these
 * schemas; scripts/settings-table.ts renders the settings table, docs/SETTINGS.md and local.settings.sample.json from
 * the same registrations, so the docs cannot say what the code does not do.
 */
import { z } from 'zod';

import { ConfigError } from '../errors';

/** App settings as the process sees them (process.env, or a test's object). */
export type Env = Readonly<Record<string, string | undefined>>;

/** What the docs say about one setting. */
interface SettingDoc {
    /** The value used when the setting is absent, as it would be set; absent: required, or optional with no default. */
    readonly default?: string;
    readonly required: boolean;
    /** Infra sets it in Azure (else the default is what Azure runs with). */
    readonly setByInfra: boolean;
    /** The values it takes, e.g. `whole number, 0–3600`. */
    readonly format: string;
    readonly description: string;
}

/** The documentation of every setting schema, keyed by the schema itself. */
const settingDocs = z.registry<SettingDoc>();

/** A schema for a setting's text, and the values it takes in words (the docs' "format" column). */
export interface SettingFormat<T> {
    readonly schema: z.ZodType<T, string>;
    readonly format: string;
}

interface DocText {
    readonly setByInfra?: boolean;
    readonly description: string;
}

/** The text of a setting; absent (unset or blank) only passes where a default or `optional` says so. */
const text = () => z.string({ error: 'is required but not set' });

/**
 * A setting with a default, given as it would be set (parsed like any set value).
 * @param format - its schema and values
 * @param doc - the default, whether infra sets it, its meaning
 */
export function setting<T>(format: SettingFormat<T>, doc: DocText & { readonly default: string }) {
    return format.schema.prefault(doc.default).register(settingDocs, {
        default: doc.default,
        required: false,
        setByInfra: doc.setByInfra ?? false,
        format: format.format,
        description: doc.description,
    });
}

/**
 * A setting without a default: absent reads as `undefined`.
 * @param format - its schema and values
 * @param doc - whether infra sets it, its meaning
 */
export function optionalSetting<T>(format: SettingFormat<T>, doc: DocText) {
    return format.schema.optional().register(settingDocs, {
        required: false,
        setByInfra: doc.setByInfra ?? false,
        format: format.format,
        description: doc.description,
    });
}

/**
 * A setting that must be set.
 * @param format - its schema and values
 * @param doc - whether infra sets it, its meaning
 */
export function requiredSetting<T>(format: SettingFormat<T>, doc: DocText) {
    return format.schema.register(settingDocs, {
        required: true,
        setByInfra: doc.setByInfra ?? false,
        format: format.format,
        description: doc.description,
    });
}

/** Any text (what it should say, the description tells). */
export function anyText(): SettingFormat<string> {
    return { schema: text(), format: 'text' };
}

/**
 * Text matching a pattern.
 * @param pattern - the whole value must match it
 * @param message - what the value must be, as the error says it
 * @param format - the same in the docs' words
 */
export function matching(pattern: RegExp, message: string, format: string): SettingFormat<string> {
    return { schema: text().regex(pattern, { error: (issue) => `${message}, got "${String(issue.input)}"` }), format };
}

/**
 * A whole number within a range, inclusive.
 * @param min - smallest allowed
 * @param max - largest allowed
 */
export function wholeNumber(min: number, max: number): SettingFormat<number> {
    return {
        format: `whole number, ${min}–${max}`,
        schema: text()
            .regex(/^-?\d+$/, { error: (issue) => `must be a whole number, got "${String(issue.input)}"` })
            .transform(Number)
            .refine((n) => n >= min && n <= max, {
                error: (issue) => `must be between ${min} and ${max}, got ${String(issue.input)}`,
            }),
    };
}

/**
 * A decimal number (`0.5`) within a range, inclusive.
 * @param min - smallest allowed
 * @param max - largest allowed
 */
export function decimalNumber(min: number, max: number): SettingFormat<number> {
    const error = (issue: { readonly input: unknown }) =>
        `must be a number between ${min} and ${max}, got "${String(issue.input)}"`;
    return {
        format: `number, ${min}–${max}`,
        schema: text()
            .regex(/^\d+(\.\d+)?$/, { error })
            .transform(Number)
            .refine((n) => n >= min && n <= max, { error }),
    };
}

/**
 * One of a fixed list of words.
 * @param values - the allowed values
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): SettingFormat<T[number]> {
    return {
        format: values.map((v) => `\`${v}\``).join(', '),
        schema: text().pipe(
            z.enum(values, {
                error: (issue) => `must be one of ${values.join(', ')}, got "${String(issue.input)}"`,
            }),
        ),
    };
}

/** `true` or `false`. */
export function flag(): SettingFormat<boolean> {
    const words = oneOf(['true', 'false']);
    return { format: words.format, schema: words.schema.transform((v) => v === 'true') };
}

/** An absolute http(s) URL; a trailing slash is dropped. */
export function httpUrl(): SettingFormat<string> {
    const isHttpUrl = (value: string): boolean => {
        try {
            return ['https:', 'http:'].includes(new URL(value).protocol);
        } catch {
            return false;
        }
    };
    return {
        format: 'http(s) URL',
        schema: text()
            .refine(isHttpUrl, { error: (issue) => `must be an absolute http(s) URL, got "${String(issue.input)}"` })
            .transform((value) => value.replace(/\/+$/, '')),
    };
}

/**
 * JSON text holding a value of the given schema.
 * @param schema - what the parsed JSON must be
 */
export function jsonOf<T>(schema: z.ZodType<T>): SettingFormat<T> {
    return {
        format: 'JSON',
        schema: text()
            .transform((value, ctx): unknown => {
                try {
                    return JSON.parse(value) as unknown;
                } catch (e) {
                    ctx.addIssue({
                        code: 'custom',
                        message: `is not valid JSON (${e instanceof Error ? e.message : 'parse error'})`,
                    });
                    return z.NEVER;
                }
            })
            .pipe(schema),
    };
}

/** Names a zod issue path the way the setting reads, e.g. `SYNC_TARGETS[0].timing.quietSeconds`. */
function settingPath(path: readonly PropertyKey[]): string {
    const [name, ...rest] = path;
    return `${String(name)}${rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/**
 * Parses one group of settings from the environment; unset and blank values are absent.
 * @param group - an object schema of settings (its keys are the setting names)
 * @param env - the environment
 * @throws ConfigError naming the first bad setting, and where in its value when it is JSON
 */
export function parseSettings<S extends z.ZodObject>(group: S, env: Env): z.output<S> {
    const input: Record<string, string | undefined> = {};
    for (const name of Object.keys(group.shape)) {
        const value = env[name]?.trim();
        input[name] = value === '' ? undefined : value;
    }
    const result = group.safeParse(input);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw new ConfigError(issue === undefined ? 'settings' : settingPath(issue.path), issue?.message ?? 'is invalid');
}

/** One setting as the docs list it. */
export interface DocumentedSetting extends SettingDoc {
    readonly name: string;
}

/**
 * The settings of a group, documented, in the group's order.
 * @param group - an object schema of settings
 */
export function documented(group: z.ZodObject): DocumentedSetting[] {
    return Object.entries(group.shape).map(([name, schema]) => {
        const doc = settingDocs.get(schema);
        if (doc === undefined)
            throw new Error(
                `Setting ${name} has no documentation (use setting(), optionalSetting() or requiredSetting())`,
            );
        return { name, ...doc };
    });
}
