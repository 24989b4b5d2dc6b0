import { describe, expect, it } from 'vitest';

import { routeChange, type Routing } from '../../src/domain/routing';

const known = new Set(['emea', 'amer', 'fallback']);
const routing: Routing = {
    rules: [
        { upnSuffix: '@emea.contoso.com', target: 'emea' },
        { domain: 'AMER', target: 'amer' },
        { dnSuffix: 'OU=Users, DC=emea,DC=contoso,DC=com', target: 'emea' },
    ],
    defaultTarget: 'fallback',
};

describe('routeChange', () => {
    it('uses an explicit, known target before any rule', () => {
        expect(routeChange({ target: 'amer', upn: 'a@emea.contoso.com' }, routing, known)).toEqual({
            ok: true,
            targetId: 'amer',
            by: 'explicit',
        });
    });

    it('refuses an explicit target that is not configured instead of falling back', () => {
        expect(routeChange({ target: 'apac' }, routing, known)).toEqual({
            ok: false,
            reason: 'unknownTarget',
            target: 'apac',
        });
    });

    it('matches UPN suffixes case-insensitively and only on the whole domain', () => {
        expect(routeChange({ upn: 'Ann@EMEA.Contoso.com' }, routing, known)).toMatchObject({
            targetId: 'emea',
            by: 'rule',
        });
        expect(routeChange({ upn: 'ann@xemea.contoso.com' }, routing, known)).toMatchObject({
            targetId: 'fallback',
            by: 'default',
        });
    });

    it('matches domains and DN suffixes, ignoring case and blanks in DNs', () => {
        expect(routeChange({ domain: 'amer' }, routing, known)).toMatchObject({ targetId: 'amer' });
        expect(
            routeChange({ distinguishedName: 'CN=Ann,ou=users,dc=emea,dc=contoso,dc=com' }, routing, known),
        ).toMatchObject({ targetId: 'emea', by: 'rule' });
    });

    it('takes the first matching rule', () => {
        const both: Routing = {
            rules: [
                { domain: 'AMER', target: 'amer' },
                { upnSuffix: 'emea.contoso.com', target: 'emea' },
            ],
            defaultTarget: null,
        };
        expect(routeChange({ domain: 'AMER', upn: 'a@emea.contoso.com' }, both, known)).toMatchObject({
            targetId: 'amer',
        });
    });

    it('falls back to the default target, and says noRoute without one', () => {
        expect(routeChange({}, routing, known)).toEqual({ ok: true, targetId: 'fallback', by: 'default' });
        expect(routeChange({ upn: 'x@other.com' }, { rules: routing.rules, defaultTarget: null }, known)).toEqual({
            ok: false,
            reason: 'noRoute',
        });
    });
});
