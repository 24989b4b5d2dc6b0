import { describe, expect, it } from 'vitest';

import { planLookups } from '../../../src/adapters/graph/graphLookupPlan';
import type { DirectoryObjectRef } from '../../../src/domain/entraConfirmation';

const upn = (value: string): DirectoryObjectRef => ({ by: 'userPrincipalName', value });
const anchor = (value: string): DirectoryObjectRef => ({ by: 'immutableId', value });
const filterOf = (url: string): string =>
    new URL(`https://graph.microsoft.com/v1.0${url}`).searchParams.get('$filter') ?? '';

describe('how lookups become Graph requests', () => {
    it('15 values per `in` (the default-query limit), one property per request, in the groups’ order', () => {
        const refs = [
            ...Array.from({ length: 16 }, (_, i) => upn(`u${i}@contoso.com`)),
            anchor('AAAAAAAAAAAAAAAAAAAAAA=='),
        ];
        const plan = planLookups([refs]);
        expect(plan.map((r) => [r.by, r.values.size])).toEqual([
            ['immutableId', 1],
            ['userPrincipalName', 15],
            ['userPrincipalName', 1],
        ]);
        expect(filterOf(plan[0]?.url ?? '')).toBe("onPremisesImmutableId in ('AAAAAAAAAAAAAAAAAAAAAA==')");
    });

    it('percent-encodes the filter (a base64 `+` must not arrive as a space) and doubles quotes', () => {
        const [request] = planLookups([[upn("o'brien@contoso.com"), anchor('M7+8EFVCXkSKu/VvTn6j8g==')]]);
        expect(request?.url).not.toContain('+');
        expect(filterOf(request?.url ?? '')).toBe("onPremisesImmutableId in ('M7+8EFVCXkSKu/VvTn6j8g==')");
        expect(filterOf(planLookups([[upn("o'brien@contoso.com")]])[0]?.url ?? '')).toBe(
            "userPrincipalName in ('o''brien@contoso.com')",
        );
    });

    it('keeps every request URL under Graph’s 2,048 characters, whatever the UPNs', () => {
        const long = Array.from({ length: 30 }, (_, i) =>
            upn(`${String(i).padStart(3, '0')}${'ü'.repeat(60)}@subsidiary.contoso.com`),
        );
        const plan = planLookups([long]);
        expect(plan.length).toBeGreaterThan(2);
        for (const r of plan) expect(`https://graph.microsoft.com/v1.0${r.url}`.length).toBeLessThan(2048);
        expect(plan.reduce((n, r) => n + r.members.length, 0)).toBe(30);
    });

    it('asks once for the same UPN written in two cases, and answers both', () => {
        const [request, ...rest] = planLookups([[upn('Ada@contoso.com'), upn('ada@CONTOSO.com')]]);
        expect(rest).toEqual([]);
        expect(request?.values.size).toBe(1);
        expect(request?.members.map((m) => m.index)).toEqual([0, 1]);
    });

    it('never mixes groups in one request', () => {
        expect(
            planLookups([[upn('a@contoso.com')], [upn('b@contoso.com')]]).map((r) => r.members.map((m) => m.group)),
        ).toEqual([[0], [1]]);
    });
});
