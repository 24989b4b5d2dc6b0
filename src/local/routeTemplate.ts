/**
 * Route templates as the Functions host matches them: its routes are ASP.NET Core routes (`Route` with the default
 * inline constraint resolver), so a template is `segment/segment`, each segment a literal matched without regard to
 * letter case or one parameter `{name}`, `{name?}` (optional), `{name=default}`, `{*name}` (the rest of the path),
 * with inline constraints `{name:int}`, `{view:regex(^page$)?}`. Parsed once at start; a template the host would
 * refuse, or one this host does not run (a segment mixing literals and parameters), stops the start.
 */
import { resolveConstraint, type RouteConstraint, RouteTemplateError } from './routeConstraints';

interface LiteralSegment {
    readonly kind: 'literal';
    readonly text: string;
}

interface ParameterSegment {
    readonly kind: 'parameter';
    readonly name: string;
    readonly constraints: readonly RouteConstraint[];
    /** `{name?}`: the segment may be absent. */
    readonly optional: boolean;
    /** `{name=value}`: the value when the segment is absent. */
    readonly defaultValue: string | null;
    /** `{*name}`, `{**name}`: takes the rest of the path, slashes included. */
    readonly catchAll: boolean;
}

type Segment = LiteralSegment | ParameterSegment;

/** A parsed route template. */
export interface RouteTemplate {
    /** As registered, with the host's route prefix. */
    readonly text: string;
    readonly segments: readonly Segment[];
}

/** The parameter's constraint texts, split where RouteParameterParser splits them (a `)` ends an argument list only before `:`, `=` or the end). */
function splitConstraints(text: string): { constraints: string[]; rest: string } {
    const constraints: string[] = [];
    let i = 0;
    while (text[i] === ':') {
        let end = i + 1;
        while (end < text.length && text[end] !== ':' && text[end] !== '=') {
            if (text[end] === '(') {
                let close = text.indexOf(')', end);
                while (close >= 0 && close + 1 < text.length && !':='.includes(text[close + 1] ?? '')) {
                    close = text.indexOf(')', close + 1);
                }
                end = close < 0 ? text.length : close + 1;
            } else end++;
        }
        if (end > i + 1) constraints.push(text.slice(i + 1, end));
        i = end;
    }
    return { constraints, rest: text.slice(i) };
}

function parseParameter(inner: string, template: string): ParameterSegment {
    const catchAll = inner.startsWith('*');
    let body = inner.replace(/^\*{1,2}/, '');
    const optional = body.endsWith('?');
    if (optional) body = body.slice(0, -1);
    const nameEnd = body.search(/[:=]/);
    const name = nameEnd <= 0 ? body : body.slice(0, nameEnd);
    const { constraints, rest } = splitConstraints(nameEnd <= 0 ? '' : body.slice(nameEnd));
    const defaultValue = rest.startsWith('=') ? rest.slice(1) : null;
    const fail = (why: string): never => {
        throw new RouteTemplateError(`Route template "${template}": ${why}`);
    };
    if (name === '' || /[{}/?*=:]/.test(name)) fail(`"{${inner}}" has no valid parameter name`);
    if (optional && defaultValue !== null) fail(`the optional parameter ${name} cannot have a default value`);
    if (optional && catchAll) fail(`the catch-all parameter ${name} cannot be optional`);
    return {
        kind: 'parameter',
        name,
        constraints: constraints.map(resolveConstraint),
        optional,
        defaultValue,
        catchAll,
    };
}

function parseSegment(segment: string, template: string): Segment {
    if (segment === '') throw new RouteTemplateError(`Route template "${template}" has an empty segment`);
    // `{{` and `}}` are braces escaped, in literals and inside a parameter (a regex constraint's `\d{{3}}`).
    const parameter = /^\{([^{}]|\{\{|\}\})*\}$/.test(segment) && !segment.startsWith('{{');
    if (parameter) return parseParameter(segment.slice(1, -1).replace(/\{\{/g, '{').replace(/\}\}/g, '}'), template);
    const literal = segment.replace(/\{\{/g, '').replace(/\}\}/g, '');
    if (/[{}]/.test(literal)) {
        throw new RouteTemplateError(
            `Route template "${template}": the segment "${segment}" mixes literals and parameters, which the local host does not run`,
        );
    }
    if (segment.includes('?')) throw new RouteTemplateError(`Route template "${template}" has a "?" in a literal`);
    return { kind: 'literal', text: segment.replace(/\{\{/g, '{').replace(/\}\}/g, '}') };
}

/**
 * Parses a route template (with its prefix, e.g. `api/status/{view:regex(^page$)?}`).
 * @throws RouteTemplateError for a template the host would refuse
 */
export function parseRouteTemplate(text: string): RouteTemplate {
    const segments = text.split('/').map((s) => parseSegment(s, text));
    const names = new Set<string>();
    segments.forEach((segment, i) => {
        if (segment.kind !== 'parameter') return;
        const key = segment.name.toLowerCase();
        if (names.has(key)) throw new RouteTemplateError(`Route template "${text}" names ${segment.name} twice`);
        names.add(key);
        if (segment.catchAll && i !== segments.length - 1) {
            throw new RouteTemplateError(`Route template "${text}": a catch-all parameter must be the last segment`);
        }
    });
    return { text, segments };
}

type ParameterValue = { readonly kind: 'value'; readonly value: string } | { readonly kind: 'absent' | 'mismatch' };

/** A parameter's value from its path segment (or its absence), its constraints checked. */
function parameterValue(segment: ParameterSegment, raw: string | undefined): ParameterValue {
    const value = raw === undefined || raw === '' ? segment.defaultValue : raw;
    if (value === null) return { kind: segment.optional ? 'absent' : 'mismatch' };
    return segment.constraints.every((c) => c.matches(value)) ? { kind: 'value', value } : { kind: 'mismatch' };
}

/**
 * Matches a request path against a template, as the host's route matching does: literals without regard to letter
 * case, every parameter's constraints on its value, no segment left over.
 * @param template - the parsed template
 * @param path - the request path's segments, percent-decoded, without the leading and a trailing slash
 * @returns the route parameters, or null when the route does not match
 */
export function matchTemplate(template: RouteTemplate, path: readonly string[]): Record<string, string> | null {
    const params: Record<string, string> = {};
    for (const [i, segment] of template.segments.entries()) {
        if (segment.kind === 'literal') {
            if (path[i]?.toUpperCase() !== segment.text.toUpperCase()) return null;
            continue;
        }
        const value = parameterValue(segment, segment.catchAll ? path.slice(i).join('/') : path[i]);
        if (value.kind === 'mismatch') return null;
        if (value.kind === 'value') params[segment.name] = value.value;
        if (segment.catchAll) return params;
    }
    return path.length > template.segments.length ? null : params;
}
