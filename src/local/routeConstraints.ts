/**
 * The inline route constraints of Functions route templates (`{id:guid}`, `{view:regex(^page$)}`), as the Functions
 * host resolves them: ASP.NET Core's default constraint map (`DefaultInlineConstraintResolver`), each with the
 * parse rule of its .NET type under the invariant culture. A value that fails a constraint means the route does not
 * match (the host answers 404), never a 400.
 */

/** One resolved constraint of a route parameter. */
export interface RouteConstraint {
    /** As written in the template, e.g. `regex(^page$)`. */
    readonly text: string;
    matches(value: string): boolean;
}

/** A route template the host would refuse to index: the local host refuses it too, at start. */
export class RouteTemplateError extends Error {
    readonly code = 'ROUTE_TEMPLATE_INVALID';
}

// .NET NumberStyles under the invariant culture: white space is U+0009-U+000D and U+0020; signs are + and -.
const WS = '[\\t\\n\\v\\f\\r ]*';
/** NumberStyles.Integer (int.TryParse, long.TryParse): white space, a leading sign, digits. */
const INTEGER = new RegExp(`^${WS}([+-]?)(\\d+)${WS}$`);
/** NumberStyles.Float | AllowThousands (double.TryParse, float.TryParse). */
const FLOAT = new RegExp(`^${WS}[+-]?(?:(?:\\d[\\d,]*)(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?${WS}$`);
/** The invariant culture's symbols that double.TryParse also accepts. */
const FLOAT_SYMBOLS = new RegExp(`^${WS}(?:[+-]?Infinity|NaN)${WS}$`, 'i');
/** NumberStyles.Number (decimal.TryParse): leading or trailing sign, thousands, a decimal point, no exponent. */
const DECIMAL = new RegExp(`^${WS}([+-]?)((?:\\d[\\d,]*)(?:\\.\\d*)?|\\.\\d+)([+-]?)${WS}$`);
/** Guid.TryParse: the N, D, B, P and X formats, surrounding white space allowed. */
const HEX = '[0-9a-f]';
const GUID_D = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`;
const GUID_X = `\\{0x${HEX}{1,8},0x${HEX}{1,4},0x${HEX}{1,4},\\{0x${HEX}{1,2}(?:,0x${HEX}{1,2}){7}\\}\\}`;
const GUID = new RegExp(`^\\s*(?:${HEX}{32}|${GUID_D}|\\{${GUID_D}\\}|\\(${GUID_D}\\)|${GUID_X})\\s*$`, 'i');

const INT32: readonly [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];
const INT64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];
/** decimal holds 96 bits of integer part. */
const DECIMAL_LIMIT = 2n ** 96n;

/** The value as a whole number of the given range (int.TryParse, long.TryParse), or null. */
function integerIn(value: string, [min, max]: readonly [bigint, bigint]): bigint | null {
    const match = INTEGER.exec(value);
    if (match === null) return null;
    const parsed = BigInt(`${match[1] ?? ''}${match[2] ?? ''}`);
    return parsed < min || parsed > max ? null : parsed;
}

function isDecimal(value: string): boolean {
    const match = DECIMAL.exec(value);
    if (match === null || (match[1] !== '' && match[3] !== '')) return false;
    const whole = (match[2] ?? '').split('.')[0]?.replace(/,/g, '') ?? '';
    return whole === '' || BigInt(whole) < DECIMAL_LIMIT;
}

/** bool.TryParse: `true` or `false` in any letter case, white space and trailing NULs around it. */
function isBool(value: string): boolean {
    return /^(true|false)$/i.test(value.replace(/^\s+/, '').replace(/[\s\0]+$/, ''));
}

type Factory = (args: readonly string[], text: string) => (value: string) => boolean;

function argCount(args: readonly string[], counts: readonly number[], text: string): void {
    if (!counts.includes(args.length)) {
        throw new RouteTemplateError(`The constraint ${text} takes ${counts.join(' or ')} argument(s)`);
    }
}

function longArg(arg: string | undefined, text: string): bigint {
    const parsed = integerIn(arg ?? '', INT64);
    if (parsed === null) throw new RouteTemplateError(`The constraint ${text} needs whole-number arguments`);
    return parsed;
}

function lengthArg(arg: string | undefined, text: string): number {
    return Number(longArg(arg, text));
}

const noArgs =
    (test: (value: string) => boolean): Factory =>
    (args, text) => {
        argCount(args, [0], text);
        return test;
    };

/** ASP.NET Core's default constraint map, by the name a template uses. */
const CONSTRAINTS: Readonly<Record<string, Factory>> = {
    int: noArgs((v) => integerIn(v, INT32) !== null),
    long: noArgs((v) => integerIn(v, INT64) !== null),
    bool: noArgs(isBool),
    guid: noArgs((v) => GUID.test(v)),
    double: noArgs((v) => FLOAT.test(v) || FLOAT_SYMBOLS.test(v)),
    float: noArgs((v) => FLOAT.test(v) || FLOAT_SYMBOLS.test(v)),
    decimal: noArgs(isDecimal),
    alpha: noArgs((v) => /^[a-z]*$/i.test(v)),
    required: noArgs((v) => v !== ''),
    minlength: (args, text) => {
        argCount(args, [1], text);
        const min = lengthArg(args[0], text);
        return (v) => v.length >= min;
    },
    maxlength: (args, text) => {
        argCount(args, [1], text);
        const max = lengthArg(args[0], text);
        return (v) => v.length <= max;
    },
    length: (args, text) => {
        argCount(args, [1, 2], text);
        const min = lengthArg(args[0], text);
        const max = args.length === 2 ? lengthArg(args[1], text) : min;
        return (v) => v.length >= min && v.length <= max;
    },
    min: (args, text) => {
        argCount(args, [1], text);
        const min = longArg(args[0], text);
        return (v) => (integerIn(v, INT64) ?? min - 1n) >= min;
    },
    max: (args, text) => {
        argCount(args, [1], text);
        const max = longArg(args[0], text);
        return (v) => (integerIn(v, INT64) ?? max + 1n) <= max;
    },
    range: (args, text) => {
        argCount(args, [2], text);
        const [min, max] = [longArg(args[0], text), longArg(args[1], text)];
        return (v) => {
            const parsed = integerIn(v, INT64);
            return parsed !== null && parsed >= min && parsed <= max;
        };
    },
};

/** In the host's map, but with parse rules this host does not reproduce: refused rather than approximated. */
const UNSUPPORTED = new Set(['datetime', 'file', 'nonfile']);

/**
 * Resolves one inline constraint, as written after a parameter's `:`.
 * @param text - e.g. `int`, `length(1,20)`, `regex(^page$)`
 * @throws RouteTemplateError for a constraint the host cannot resolve, or one this host does not run
 */
export function resolveConstraint(text: string): RouteConstraint {
    const call = /^([^(]*)(?:\((.*)\))?$/s.exec(text);
    const name = (call?.[1] ?? text).toLowerCase();
    const argText = call?.[2];
    if (name === 'regex') {
        // As RegexRouteConstraint builds it: CultureInvariant | IgnoreCase, and not anchored unless the pattern is.
        // .NET and JavaScript agree on the patterns templates use; a pattern JavaScript cannot compile is refused.
        let pattern: RegExp;
        try {
            pattern = new RegExp(argText ?? '', 'i');
        } catch (e) {
            throw new RouteTemplateError(`The constraint ${text} is not a valid regular expression (${String(e)})`);
        }
        return { text, matches: (value) => pattern.test(value) };
    }
    if (UNSUPPORTED.has(name)) throw new RouteTemplateError(`The local host does not run the ${name} route constraint`);
    const factory = CONSTRAINTS[name];
    if (factory === undefined) {
        throw new RouteTemplateError(
            `The constraint entry '${text}' could not be resolved (not a known route constraint)`,
        );
    }
    const args = argText === undefined ? [] : argText.split(',').map((a) => a.trim());
    return { text, matches: factory(args, text) };
}
