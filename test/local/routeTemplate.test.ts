import { describe, expect, it } from 'vitest';

import { RouteTemplateError } from '../../src/local/routeConstraints';
import { matchTemplate, parseRouteTemplate } from '../../src/local/routeTemplate';

/**
 * Route templates and inline constraints as the Functions host applies them (ASP.NET Core routing: "Route
 * constraints" table of the routing docs, whose "match examples" are the matching cases here).
 */
const params = (template: string, path: string) => matchTemplate(parseRouteTemplate(template), path.split('/'));
const matches = (template: string, path: string) => params(template, path) !== null;

describe('route constraints (ASP.NET Core, invariant culture)', () => {
    it.each([
        ['{id:int}', ['123456789', '-123456789', '0', '+7'], ['abc', '1.5', '2147483648', '', '12a']],
        ['{active:bool}', ['true', 'FALSE', 'True'], ['yes', '1', 'truth']],
        ['{price:decimal}', ['49.99', '-1,000.01', '52', '.5'], ['1e5', 'abc', '1-1']],
        ['{weight:double}', ['1.234', '-1,001.01e8', 'NaN', '-Infinity'], ['1.2.3', 'e5', 'abc']],
        ['{weight:float}', ['1.234', '-1,001.01e8'], ['x1']],
        [
            '{id:guid}',
            [
                'CD2C1638-1638-72D5-1638-DEADBEEF1638',
                'cd2c1638163872d51638deadbeef1638',
                '{CD2C1638-1638-72D5-1638-DEADBEEF1638}',
                '(CD2C1638-1638-72D5-1638-DEADBEEF1638)',
            ],
            ['CD2C1638-1638-72D5-1638-DEADBEEF163', 'not-a-guid', 'CD2C1638-1638-72D5-1638-DEADBEEF1638x'],
        ],
        ['{ticks:long}', ['123456789', '-123456789', '9223372036854775807'], ['9223372036854775808', '1.0']],
        ['{username:minlength(4)}', ['Rick', 'Ricky'], ['Ric']],
        ['{filename:maxlength(8)}', ['MyFile', 'MyFile12'], ['MyFile123']],
        ['{filename:length(12)}', ['somefile.txt'], ['somefile.tx', 'somefile.txts']],
        ['{filename:length(8,16)}', ['somefile.txt', 'abcdefgh'], ['abcdefg', 'abcdefghijklmnopq']],
        ['{age:min(18)}', ['19', '18'], ['17', 'x']],
        ['{age:max(120)}', ['91', '120'], ['121', 'x']],
        ['{age:range(18,120)}', ['91', '18', '120'], ['17', '121']],
        ['{name:alpha}', ['Rick', 'rick'], ['Rick1', 'Ri-ck']],
        ['{ssn:regex(^\\d{{3}}-\\d{{2}}-\\d{{4}}$)}', ['123-45-6789'], ['123-45-678', 'x123-45-6789']],
        ['{name:required}', ['x'], []],
        ['{id:int:min(10)}', ['10', '99'], ['9', 'ten']],
    ])('%s', (template, good, bad) => {
        for (const value of good) expect(matches(`x/${template}`, `x/${value}`), value).toBe(true);
        for (const value of bad) expect(matches(`x/${template}`, `x/${value}`), value).toBe(false);
    });

    it('reads regex without anchors as "contains", and ignores letter case, as RegexRouteConstraint does', () => {
        expect(matches('x/{v:regex(page)}', 'x/mypage2')).toBe(true);
        expect(matches('x/{v:regex(^page$)}', 'x/PAGE')).toBe(true);
        expect(matches('x/{v:regex(^page$)}', 'x/page2')).toBe(false);
    });
});

describe('route templates', () => {
    it('matches literals without regard to letter case, and nothing left over', () => {
        expect(params('api/sync/requests', 'API/Sync/REQUESTS')).toEqual({});
        expect(matches('api/sync/requests', 'api/sync/requests/x')).toBe(false);
        expect(matches('api/sync/requests', 'api/sync')).toBe(false);
    });

    it('binds parameters, optional ones only when present, defaults when absent', () => {
        expect(params('api/status/{view:regex(^page$)?}', 'api/status')).toEqual({});
        expect(params('api/status/{view:regex(^page$)?}', 'api/status/page')).toEqual({ view: 'page' });
        expect(params('api/items/{page=1}', 'api/items')).toEqual({ page: '1' });
        expect(params('api/items/{page:int=1}', 'api/items/7')).toEqual({ page: '7' });
        expect(matches('api/items/{page:int=x}', 'api/items')).toBe(false);
    });

    it('gives a catch-all parameter the rest of the path', () => {
        expect(params('api/files/{*path}', 'api/files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
        expect(params('api/files/{**path}', 'api/files')).toBeNull();
    });

    it.each([
        ['an unknown constraint', 'api/{id:nosuch}', /could not be resolved/],
        ['a constraint without its argument', 'api/{name:minlength}', /takes 1/],
        ['a regex JavaScript cannot compile', 'api/{v:regex(()}', /regular expression/],
        ['an optional parameter with a default', 'api/{id=1?}', /cannot have a default/],
        ['a catch-all that is not last', 'api/{*rest}/x', /last segment/],
        ['a parameter named twice', 'api/{id}/{ID}', /twice/],
        ['an empty segment', 'api//x', /empty segment/],
        ['a segment mixing a literal and a parameter', 'api/file.{ext}', /mixes literals and parameters/],
        ['a constraint this host does not reproduce', 'api/{on:datetime}', /does not run/],
    ])('refuses %s at start', (_what, template, message) => {
        expect(() => parseRouteTemplate(template)).toThrow(RouteTemplateError);
        expect(() => parseRouteTemplate(template)).toThrow(message);
    });
});
