/**
 * A small structural reader of Bicep text, for what the Bicep CLI does not check: that settings, roles, names and
 * parameter descriptions agree with the code and the project's conventions. What the CLI checks (syntax, module
 * wiring, types, API versions) is read from its compiled ARM JSON instead (armTemplate.ts).
 * It understands comments, strings with `${…}` interpolation and bracket nesting; it is not a full parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

export interface BicepFile {
    readonly path: string;
    readonly relativePath: string;
    readonly text: string;
}

function listFiles(dir: string, accept: (name: string) => boolean): string[] {
    const out: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) out.push(...listFiles(full, accept));
        else if (accept(entry.name)) out.push(full);
    }
    return out.sort();
}

/** Every file under infra/ whose name passes `accept`. */
export function infraFiles(accept: (name: string) => boolean): BicepFile[] {
    return listFiles(INFRA_DIR, accept).map((path) => ({
        path,
        relativePath: relative(REPO_ROOT, path),
        text: readFileSync(path, 'utf8'),
    }));
}

export function readInfra(relativePath: string): string {
    return readFileSync(join(INFRA_DIR, relativePath), 'utf8');
}

/**
 * The text with comments and string contents blanked (same length, newlines kept), so brace matching and keyword
 * searches cannot be fooled by a `{` in a description. Interpolations stay as code.
 * Throws on an unterminated string or block comment.
 */
export function codeOnly(text: string): string {
    const out: string[] = [];
    // Stack of contexts: 'code' (top level or inside an interpolation) or 'string'.
    const stack: ('code' | 'string')[] = ['code'];
    const braceDepthInInterpolation: number[] = [];
    let i = 0;
    while (i < text.length) {
        const ch = text[i] ?? '';
        const next = text[i + 1] ?? '';
        const mode = stack[stack.length - 1];
        if (mode === 'code') {
            if (ch === '/' && next === '/') {
                while (i < text.length && text[i] !== '\n') {
                    out.push(' ');
                    i++;
                }
                continue;
            }
            if (ch === '/' && next === '*') {
                const end = text.indexOf('*/', i + 2);
                if (end < 0) throw new Error(`unterminated block comment at offset ${i}`);
                for (; i < end + 2; i++) out.push(text[i] === '\n' ? '\n' : ' ');
                continue;
            }
            if (ch === "'" && text.startsWith("'''", i)) {
                const end = text.indexOf("'''", i + 3);
                if (end < 0) throw new Error(`unterminated multi-line string at offset ${i}`);
                for (; i < end + 3; i++) out.push(text[i] === '\n' ? '\n' : i === end + 2 || i === 0 ? "'" : ' ');
                continue;
            }
            if (ch === "'") {
                stack.push('string');
                out.push("'");
                i++;
                continue;
            }
            if (braceDepthInInterpolation.length > 0) {
                const top = braceDepthInInterpolation.length - 1;
                if (ch === '{') braceDepthInInterpolation[top] = (braceDepthInInterpolation[top] ?? 0) + 1;
                if (ch === '}') {
                    if (braceDepthInInterpolation[top] === 0) {
                        braceDepthInInterpolation.pop();
                        stack.pop();
                        out.push(' ');
                        i++;
                        continue;
                    }
                    braceDepthInInterpolation[top] = (braceDepthInInterpolation[top] ?? 0) - 1;
                }
            }
            out.push(ch);
            i++;
            continue;
        }
        // Inside a string.
        if (ch === '\n') throw new Error(`unterminated string at offset ${i}`);
        if (ch === '\\') {
            out.push('  ');
            i += 2;
            continue;
        }
        if (ch === '$' && next === '{') {
            stack.push('code');
            braceDepthInInterpolation.push(0);
            out.push('  ');
            i += 2;
            continue;
        }
        if (ch === "'") {
            stack.pop();
            out.push("'");
            i++;
            continue;
        }
        out.push(' ');
        i++;
    }
    if (stack.length !== 1) throw new Error('unterminated string or interpolation at end of file');
    return out.join('');
}

/** Index of the bracket that closes the one at `openIndex` (in code-only text). */
function matchingClose(code: string, openIndex: number): number {
    const open = code[openIndex];
    const close = open === '{' ? '}' : open === '[' ? ']' : ')';
    let depth = 0;
    for (let i = openIndex; i < code.length; i++) {
        if (code[i] === open) depth++;
        if (code[i] === close) {
            depth--;
            if (depth === 0) return i;
        }
    }
    throw new Error(`no closing bracket for offset ${openIndex}`);
}

export interface Decorated {
    readonly name: string;
    readonly decorators: string;
    readonly line: string;
}

/** The decorators (the `@…` lines right above) of each declaration of `keyword` (param, output, var). */
function declarations(text: string, keyword: string): Decorated[] {
    const lines = text.split('\n');
    const found: Decorated[] = [];
    lines.forEach((line, i) => {
        const m = new RegExp(`^${keyword}\\s+([A-Za-z_][A-Za-z0-9_]*)\\b`).exec(line);
        if (m?.[1] === undefined) return;
        const above: string[] = [];
        for (let j = i - 1; j >= 0; j--) {
            const prev = lines[j] ?? '';
            if (/^\s*@/.test(prev) || (above.length > 0 && /^\s+\S/.test(prev))) above.unshift(prev);
            else break;
        }
        found.push({ name: m[1], decorators: above.join('\n'), line });
    });
    return found;
}

export interface Param extends Decorated {
    readonly type: string;
    readonly hasDefault: boolean;
    readonly nullable: boolean;
    readonly description: string | null;
}

export function params(text: string): Param[] {
    return declarations(text, 'param').map((d) => {
        const m = /^param\s+\S+\s+([^=\s]+)\s*(=.*)?$/.exec(d.line.trim());
        const type = m?.[1] ?? '';
        const description = /@(?:sys\.)?description\('((?:[^'\\]|\\.)*)'\)/.exec(d.decorators)?.[1] ?? null;
        return { ...d, type, hasDefault: m?.[2] !== undefined, nullable: type.endsWith('?'), description };
    });
}

export function outputs(text: string): (Decorated & { description: string | null })[] {
    return declarations(text, 'output').map((d) => ({
        ...d,
        description: /@(?:sys\.)?description\('((?:[^'\\]|\\.)*)'\)/.exec(d.decorators)?.[1] ?? null,
    }));
}

export interface ResourceDecl {
    readonly symbol: string;
    readonly type: string;
    readonly apiVersion: string;
    readonly existing: boolean;
    /** The resource body `{ … }` (or the loop `[ … ]`), original text. */
    readonly body: string;
}

/** Top-level and nested `resource sym 'Type@version' [existing] = …` declarations. */
export function resources(text: string): ResourceDecl[] {
    const code = codeOnly(text);
    const found: ResourceDecl[] = [];
    const re =
        /(^|\n)\s*resource\s+([A-Za-z_][A-Za-z0-9_]*)\s+'([^'@]+)(?:@([^']+))?'\s+(existing\s+)?=\s*(?:if\s*\()?/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const afterEquals = m.index + m[0].length;
        let start = afterEquals;
        if (m[0].trimEnd().endsWith('(')) start = matchingClose(code, afterEquals - 1) + 1;
        while (start < code.length && code[start] !== '{' && code[start] !== '[') start++;
        const end = matchingClose(code, start);
        found.push({
            symbol: m[2] ?? '',
            type: m[3] ?? '',
            apiVersion: m[4] ?? '',
            existing: m[5] !== undefined,
            body: text.slice(start, end + 1),
        });
    }
    return found;
}

export interface ModuleDecl {
    readonly symbol: string;
    readonly path: string;
    readonly paramKeys: string[];
    readonly body: string;
}

export function modules(text: string): ModuleDecl[] {
    const code = codeOnly(text);
    const found: ModuleDecl[] = [];
    const re = /(^|\n)module\s+([A-Za-z_][A-Za-z0-9_]*)\s+'([^']+)'\s*=\s*(?:if\s*\()?/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        let start = m.index + m[0].length;
        if (m[0].trimEnd().endsWith('(')) start = matchingClose(code, start - 1) + 1;
        while (code[start] !== '{') start++;
        const end = matchingClose(code, start);
        const body = text.slice(start, end + 1);
        const paramsAt = codeOnly(body).search(/\bparams\s*:\s*\{/);
        const paramKeys = paramsAt < 0 ? [] : objectKeys(body.slice(body.indexOf('{', paramsAt)));
        found.push({ symbol: m[2] ?? '', path: m[3] ?? '', paramKeys, body });
    }
    return found;
}

/**
 * The top-level keys of the object literal that `objectText` starts with, with their raw value text.
 * @param objectText - text starting at `{`
 */
export function objectEntries(objectText: string): Map<string, string> {
    const code = codeOnly(objectText);
    const end = matchingClose(code, code.indexOf('{'));
    const entries = new Map<string, string>();
    let depth = 0;
    let lineStart = code.indexOf('{') + 1;
    for (let i = lineStart; i < end; i++) {
        const ch = code[i];
        if (ch === '{' || ch === '[' || ch === '(') depth++;
        if (ch === '}' || ch === ']' || ch === ')') depth--;
        if (depth === 0 && (ch === '\n' || ch === ',')) {
            addEntry(objectText, code, lineStart, i, entries);
            lineStart = i + 1;
        }
    }
    addEntry(objectText, code, lineStart, end, entries);
    return entries;
}

function addEntry(text: string, code: string, from: number, to: number, entries: Map<string, string>): void {
    const segment = code.slice(from, to);
    const m = /^\s*('?)([A-Za-z_$][A-Za-z0-9_$.-]*)\1\s*:/.exec(segment);
    if (m?.[2] === undefined) return;
    entries.set(m[2], text.slice(from + m[0].length, to).trim());
}

function objectKeys(objectText: string): string[] {
    return [...objectEntries(objectText).keys()];
}

/** The object literal assigned to `var name = {…}`, as entries. */
export function varObject(text: string, name: string): Map<string, string> {
    const at = new RegExp(`(^|\\n)var\\s+${name}\\s*=\\s*\\{`).exec(text);
    if (at === null) throw new Error(`var ${name} = { … } not found`);
    return objectEntries(text.slice(text.indexOf('{', at.index)));
}

/** The string literal assigned to `var name = '…'`. */
export function varString(text: string, name: string): string {
    const m = new RegExp(`(^|\\n)var\\s+${name}\\s*=\\s*'([^'$]*)'`).exec(text);
    if (m?.[2] === undefined) throw new Error(`var ${name} = '…' not found`);
    return m[2];
}

/** `@allowed([...])` values of a param, or null when it has none. */
export function allowedValues(param: Param): string[] | null {
    const m = /@allowed\(\[([^\]]*)\]\)/.exec(param.decorators);
    if (m?.[1] === undefined) return null;
    return [...m[1].matchAll(/'([^']*)'/g)].map((v) => v[1] ?? '');
}

/** A string literal value such as `'managedidentity'`, or null for an expression. */
export function literal(value: string): string | null {
    const m = /^'((?:[^'\\$]|\\.)*)'$/.exec(value.trim());
    return m?.[1] ?? null;
}

/** The raw expression assigned to `var name = …` on one line. */
export function varExpression(text: string, name: string): string {
    const m = new RegExp(`(^|\\n)var\\s+${name}\\s*=\\s*([^\\n]+)`).exec(text);
    if (m?.[2] === undefined) throw new Error(`var ${name} not found`);
    return m[2].trim();
}
