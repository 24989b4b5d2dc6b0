import type { FieldError } from './problem';
import { pointerOf } from './zodErrors';

/**
 * I-JSON (RFC 7493) checks that `JSON.parse` cannot make: it silently keeps the last of duplicate member names
 * (`{"policy":"Delta","policy":"Initial"}` would become Initial), accepts escaped lone surrogates and turns
 * `1e400` into Infinity. Everything here is iterative (explicit stacks, no recursion), so a hostile nesting depth
 * cannot exhaust the call stack; callers still bound the depth first.
 */

/** A lone (unpaired) UTF-16 surrogate: RFC 7493 §2.1 forbids them in I-JSON strings and member names. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string holds an unpaired surrogate.
 * @param value - the string
 */
function hasLoneSurrogate(value: string): boolean {
    return LONE_SURROGATE.test(value);
}

/** A JSON number literal, matched in place (sticky) so a literal of any length is read whole. */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

type Frame =
    | {
          readonly kind: 'object';
          readonly names: Set<string>;
          readonly path: readonly PropertyKey[];
          name: string | null;
      }
    | { readonly kind: 'array'; readonly path: readonly PropertyKey[]; index: number };

const ESCAPES: Readonly<Record<string, string>> = {
    '"': '"',
    '\\': '\\',
    '/': '/',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
};

/**
 * Reads the JSON string starting at the quote at `start` and returns its decoded value and the index after it.
 * Only called on text `JSON.parse` accepted, so every escape is well formed.
 */
function readString(text: string, start: number): { value: string; end: number } {
    let value = '';
    let i = start + 1;
    for (;;) {
        const c = text[i];
        if (c === '"') return { value, end: i + 1 };
        if (c === '\\') {
            const e = text[i + 1] ?? '';
            if (e === 'u') {
                value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
                i += 6;
            } else {
                value += ESCAPES[e] ?? e;
                i += 2;
            }
        } else {
            value += c ?? '';
            i++;
        }
        if (i > text.length) return { value, end: text.length };
    }
}

/** The path of the value about to be read in the innermost container. */
function valuePath(frame: Frame | undefined): readonly PropertyKey[] {
    if (frame === undefined) return [];
    return frame.kind === 'array' ? [...frame.path, frame.index] : [...frame.path, frame.name ?? ''];
}

/**
 * The first I-JSON violation in a text that `JSON.parse` accepted, or null: a duplicate member name at any depth
 * (names compared after unescaping, so `"a"` and `"\u0061"` are the same name), an unpaired surrogate in a
 * string or name, or a number outside the IEEE 754 double range (RFC 7493 §2.2).
 * @param text - valid JSON text
 * @param prefix - pointer of the text inside the message (for binary-mode data: '')
 */
export function iJsonViolation(text: string, prefix = ''): FieldError | null {
    const stack: Frame[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i] ?? '';
        const top = stack[stack.length - 1];
        if (c === '{' || c === '[') {
            const path = valuePath(top);
            stack.push(
                c === '{' ? { kind: 'object', names: new Set(), path, name: null } : { kind: 'array', path, index: 0 },
            );
            i++;
        } else if (c === '}' || c === ']') {
            stack.pop();
            i++;
        } else if (c === ',') {
            if (top?.kind === 'array') top.index++;
            else if (top?.kind === 'object') top.name = null;
            i++;
        } else if (c === '"') {
            const { value, end } = readString(text, i);
            const isName = top?.kind === 'object' && top.name === null;
            if (hasLoneSurrogate(value)) {
                const path = isName ? top.path : valuePath(top);
                return { pointer: pointerOf(prefix, path), detail: 'contains an unpaired surrogate (RFC 7493 §2.1)' };
            }
            if (isName) {
                if (top.names.has(value)) {
                    return {
                        pointer: pointerOf(prefix, [...top.path, value]),
                        detail: 'duplicate member name (RFC 7493 §2.3)',
                    };
                }
                top.names.add(value);
                top.name = value;
            }
            i = end;
        } else if (c === '-' || (c >= '0' && c <= '9')) {
            NUMBER.lastIndex = i;
            const match = NUMBER.exec(text);
            const literal = match?.[0] ?? c;
            if (!Number.isFinite(Number(literal))) {
                return {
                    pointer: pointerOf(prefix, valuePath(top)),
                    detail: 'number outside the IEEE 754 double range (RFC 7493 §2.2)',
                };
            }
            i += literal.length;
        } else {
            // whitespace, ':' and the letters of true/false/null
            i++;
        }
    }
    return null;
}

/**
 * The deepest nesting of an already decoded JSON value (a Service Bus body the host parsed), walked with an
 * explicit stack; stops as soon as `limit` is exceeded, so a 5,000-level value costs at most `limit` steps down.
 * @param value - the decoded body
 * @param limit - the deepest nesting accepted
 */
export function valueDepthExceeds(value: unknown, limit: number): boolean {
    const stack: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
        const v = item.value;
        if (typeof v !== 'object' || v === null) continue;
        const depth = item.depth + 1;
        if (depth > limit) return true;
        for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push({ value: child, depth });
    }
    return false;
}

/**
 * The first I-JSON violation in an already decoded value (duplicates are gone by then): an unpaired surrogate in
 * a string or member name, or a non-finite number. Iterative; call after {@link valueDepthExceeds}.
 * @param value - the decoded body
 */
export function decodedViolation(value: unknown): FieldError | null {
    const stack: { readonly value: unknown; readonly path: readonly PropertyKey[] }[] = [{ value, path: [] }];
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
        const { value: v, path } = item;
        if (typeof v === 'string' && hasLoneSurrogate(v)) {
            return { pointer: pointerOf('', path), detail: 'contains an unpaired surrogate (RFC 7493 §2.1)' };
        }
        if (typeof v === 'number' && !Number.isFinite(v)) {
            return { pointer: pointerOf('', path), detail: 'number outside the IEEE 754 double range (RFC 7493 §2.2)' };
        }
        if (Array.isArray(v)) v.forEach((child, i) => stack.push({ value: child, path: [...path, i] }));
        else if (typeof v === 'object' && v !== null) {
            for (const [name, child] of Object.entries(v)) {
                if (hasLoneSurrogate(name)) {
                    return { pointer: pointerOf('', path), detail: 'a member name contains an unpaired surrogate' };
                }
                stack.push({ value: child, path: [...path, name] });
            }
        }
    }
    return null;
}

type SerialiseTask = { readonly text: string } | { readonly value: unknown };

/**
 * `JSON.stringify` for a decoded JSON value of any depth, with an explicit stack: the dead-letter copy of a
 * message too deep for `JSON.stringify` (which recurses and overflows at a few thousand levels) still keeps its
 * body. Same output as `JSON.stringify` for values made of JSON types.
 * @param value - a decoded JSON value
 */
export function stringifyIteratively(value: unknown): string {
    const out: string[] = [];
    const stack: SerialiseTask[] = [{ value }];
    for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
        if ('text' in task) {
            out.push(task.text);
            continue;
        }
        const v = task.value;
        if (Array.isArray(v)) {
            out.push('[');
            stack.push({ text: ']' });
            for (let i = v.length - 1; i >= 0; i--) {
                const item: unknown = v[i];
                stack.push({ value: item === undefined || typeof item === 'function' ? null : item });
                if (i > 0) stack.push({ text: ',' });
            }
        } else if (typeof v === 'object' && v !== null) {
            const entries: readonly (readonly [string, unknown])[] = Object.entries(v).filter(
                ([, x]) => x !== undefined && typeof x !== 'function',
            );
            out.push('{');
            stack.push({ text: '}' });
            for (let i = entries.length - 1; i >= 0; i--) {
                const [name, x] = entries[i] ?? ['', null];
                stack.push({ value: x });
                stack.push({ text: `${JSON.stringify(name)}:` });
                if (i > 0) stack.push({ text: ',' });
            }
        } else {
            out.push(JSON.stringify(v) ?? 'null');
        }
    }
    return out.join('');
}
