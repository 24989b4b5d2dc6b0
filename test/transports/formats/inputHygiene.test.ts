import { deflateSync, gzipSync } from 'node:zlib';

import { HttpRequest } from '@azure/functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { stringifyIteratively } from '../../../src/transports/formats/iJson';
import { parseJsonText } from '../../../src/transports/formats/jsonBody';
import { isRefusal } from '../../../src/transports/formats/problem';
import { BASE_URL, bodyOf, context, harness, headerOf, postRequest } from '../harness';

/*
 * Issue 13 items 15, 16 and 17: duplicate member names (I-JSON), identifiers that hide or reorder characters,
 * and bodies in another charset or content coding. Each class is covered by a table or a property built from
 * its specification (RFC 7493, Unicode UAX #9 and the invisible-character list, RFC 9110 §8.3/§8.4).
 */

const JOINER = 'dev.entra-sync-trigger.change.joiner';

async function post(text: string, headers: Record<string, string> = {}) {
    const response = await harness().post(postRequest(text, headers), context());
    return { status: response.status, body: bodyOf(response) };
}

describe('item 15: duplicate member names are refused (I-JSON, RFC 7493 §2.3)', () => {
    it.each([
        ['the policy, last one Initial', '{"kind":"joiner","policy":"Delta","policy":"Initial"}', {}, '/policy'],
        ['a batch member', '{"target":"contoso","target":"fabrikam","changes":[{"kind":"group"}]}', {}, '/target'],
        [
            'a change inside a batch',
            '{"changes":[{"kind":"group","upn":"a@contoso.com","upn":"b@fabrikam.com"}]}',
            {},
            '/changes/0/upn',
        ],
        ['an escaped-equal name ("kind" and "\\u006bind")', '{"kind":"joiner","\\u006bind":"leaver"}', {}, '/kind'],
        [
            'an escaped-equal name with every character escaped',
            '{"upn":"a@contoso.com","\\u0075\\u0070\\u006e":"b@x.y","kind":"joiner"}',
            {},
            '/upn',
        ],
        [
            'inside CloudEvent data',
            `{"specversion":"1.0","id":"1","source":"/s","type":"${JOINER}","data":{"policy":"Delta","policy":"Initial"}}`,
            { 'content-type': 'application/cloudevents+json' },
            '/data/policy',
        ],
        [
            'a CloudEvent attribute',
            `{"specversion":"1.0","id":"1","id":"2","source":"/s","type":"${JOINER}"}`,
            { 'content-type': 'application/cloudevents+json' },
            '/id',
        ],
        [
            'an Event Grid event in an array',
            `[{"id":"g","eventType":"${JOINER}","subject":"s","eventTime":"2026-01-05T08:00:00Z","dataVersion":"1","data":{},"data":{"policy":"Initial"}}]`,
            {},
            '/0/data',
        ],
        [
            'a binary-mode body',
            '{"upn":"a@contoso.com","upn":"b@fabrikam.com"}',
            { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': JOINER },
            '/upn',
        ],
    ])('refuses a duplicate in %s with 400 NOT_I_JSON', async (_name, text, headers, pointer) => {
        const { status, body } = await post(text, headers);
        expect(status).toBe(400);
        expect(body).toMatchObject({
            code: 'NOT_I_JSON',
            errors: [{ pointer, detail: expect.stringContaining('duplicate') }],
        });
    });

    it.each([
        ['an escaped lone surrogate in a string (§2.1)', '{"kind":"joiner","id":"\\ud800"}', '/id'],
        ['an escaped lone low surrogate in a name', '{"kind":"joiner","\\udc00":1}', ''],
        ['a number beyond the double range (§2.2)', '{"kind":"joiner","urgent":1e400}', '/urgent'],
        ['a negative number beyond the double range', '{"changes":[{"kind":"joiner","x":-1E+309}]}', '/changes/0/x'],
    ])('refuses %s with 400 NOT_I_JSON', async (_name, text, pointer) => {
        const { status, body } = await post(text);
        expect(status).toBe(400);
        expect(body).toMatchObject({ code: 'NOT_I_JSON', errors: [{ pointer }] });
    });

    it('accepts the same name in different objects, and an escaped surrogate pair', async () => {
        expect((await post('{"changes":[{"kind":"group"},{"kind":"mover"}]}')).status).toBe(202);
        expect((await post('{"kind":"joiner","id":"\\ud83d\\ude00"}')).status).toBe(202);
    });

    /** Serialises a value, writing one extra member (a repeat of the first name) into the n-th non-empty object. */
    function withDuplicate(value: unknown, target: number, escape: boolean): { text: string; seen: number } {
        let seen = 0;
        const write = (v: unknown): string => {
            if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
            if (typeof v === 'object' && v !== null) {
                const entries = Object.entries(v);
                const index = entries.length > 0 ? seen++ : -1;
                const members = entries.map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`);
                const first = entries[0];
                if (index === target && first !== undefined) {
                    const [name, x] = first;
                    const escaped =
                        escape && name.length > 0
                            ? `"\\u${(name.charCodeAt(0) ?? 0).toString(16).padStart(4, '0')}${JSON.stringify(name.slice(1)).slice(1)}`
                            : JSON.stringify(name);
                    members.push(`${escaped}:${JSON.stringify(x) ?? 'null'}`);
                }
                return `{${members.join(',')}}`;
            }
            return JSON.stringify(v) ?? 'null';
        };
        return { text: write(value), seen };
    }

    const documents = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 }), { minKeys: 1 });

    it('property: a duplicate at any depth, plain or escaped, is refused; without it the text is accepted', () => {
        fc.assert(
            fc.property(documents, fc.nat(), fc.boolean(), (doc, pick, escape) => {
                const clean = parseJsonText(JSON.stringify(doc));
                expect(isRefusal(clean)).toBe(false);
                const count = withDuplicate(doc, -1, false).seen;
                const { text } = withDuplicate(doc, pick % count, escape);
                const parsed = parseJsonText(text);
                expect(isRefusal(parsed) ? parsed.refused.code : 'accepted').toBe('NOT_I_JSON');
            }),
            { numRuns: 300 },
        );
    });
});

describe('item 16: identifiers refuse invisible, bidirectional, separator and control characters', () => {
    /** Unicode bidi controls (UAX #9), zero-width/invisible format characters, separators, C1 controls, surrogates. */
    const FORBIDDEN: readonly [string, string][] = [
        ...[0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x061c, 0x200e, 0x200f].map(
            (cp): [string, string] => [`bidi U+${cp.toString(16).toUpperCase()}`, String.fromCharCode(cp)],
        ),
        ...[0x200b, 0x200c, 0x200d, 0x2060, 0xfeff].map((cp): [string, string] => [
            `zero-width U+${cp.toString(16).toUpperCase()}`,
            String.fromCharCode(cp),
        ]),
        ['line separator U+2028', '\u2028'],
        ['paragraph separator U+2029', '\u2029'],
        ['C1 control U+0080', '\u0080'],
        ['C1 control U+0085 (NEL)', '\u0085'],
        ['C1 control U+009F', '\u009f'],
        ['lone high surrogate', '\ud800'],
        ['lone low surrogate', '\udfff'],
    ];

    /** Every identifier field of every format: [name, pointer, body builder, headers]. */
    const FIELDS: readonly [string, string, (bad: string) => unknown, Record<string, string>][] = [
        ['native upn (name part)', '/upn', (b) => ({ kind: 'joiner', upn: `new${b}.starter@contoso.com` }), {}],
        ['native upn (suffix)', '/upn', (b) => ({ kind: 'joiner', upn: `a@fabrikam${b}.com` }), {}],
        [
            'native distinguishedName',
            '/distinguishedName',
            (b) => ({ kind: 'mover', distinguishedName: `CN=A${b},DC=x` }),
            {},
        ],
        ['native objectId', '/objectId', (b) => ({ kind: 'leaver', objectId: `6f1c${b}` }), {}],
        ['native id', '/id', (b) => ({ kind: 'joiner', id: `id${b}` }), {}],
        ['batch change upn', '/changes/0/upn', (b) => ({ changes: [{ kind: 'group', upn: `a${b}@contoso.com` }] }), {}],
        [
            'CloudEvent data.upn',
            '/data/upn',
            (b) => ({ specversion: '1.0', id: '1', source: '/s', type: JOINER, data: { upn: `a${b}@contoso.com` } }),
            { 'content-type': 'application/cloudevents+json' },
        ],
        [
            'CloudEvent data.objectId',
            '/data/objectId',
            (b) => ({ specversion: '1.0', id: '1', source: '/s', type: JOINER, data: { objectId: `x${b}` } }),
            { 'content-type': 'application/cloudevents+json' },
        ],
        [
            'Event Grid data.distinguishedName',
            '/0/data/distinguishedName',
            (b) => [
                {
                    id: 'g',
                    eventType: JOINER,
                    subject: 's',
                    eventTime: '2026-01-05T08:00:00Z',
                    dataVersion: '1',
                    data: { distinguishedName: `CN=${b}x,DC=y` },
                },
            ],
            {},
        ],
    ];

    const matrix = FIELDS.flatMap(([field, pointer, build, headers]) =>
        FORBIDDEN.map(([what, bad]) => [`${field} with ${what}`, pointer, build(bad), headers] as const),
    );

    it.each(matrix)('refuses %s, at its field', async (_name, pointer, body, headers) => {
        const h = harness();
        const response = await h.post(postRequest(body, headers), context());
        expect(response.status).toBe(400);
        // Lone surrogates are caught one step earlier, as I-JSON violations; the pointer is the same.
        expect(bodyOf(response).errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
        expect(h.requests.all()).toEqual([]);
    });

    it('refuses a body that is only a BOM-prefixed value inside a field, but not a BOM before the body', async () => {
        const request = new HttpRequest({
            method: 'POST',
            url: `${BASE_URL}/api/sync/requests`,
            headers: { 'content-type': 'application/json' },
            body: { bytes: new Uint8Array(Buffer.from('\ufeff{"kind":"joiner","upn":"a@contoso.com"}', 'utf8')) },
        });
        expect((await harness().post(request, context())).status).toBe(202);
        expect((await post(JSON.stringify({ kind: 'joiner', upn: '\ufeffa@contoso.com' }))).status).toBe(400);
    });

    const FABRIKAM_RULE = {
        SYNC_ROUTING: JSON.stringify({
            defaultTarget: 'contoso',
            rules: [
                { upnSuffix: 'fabrikam.com', target: 'fabrikam' },
                { upnSuffix: 'zoë.example', target: 'fabrikam' },
            ],
        }),
    };

    async function routed(upn: string): Promise<string | number> {
        const response = await harness(FABRIKAM_RULE).post(postRequest({ kind: 'joiner', upn }), context());
        if (response.status !== 202) return response.status ?? 0;
        const targets = bodyOf(response).targets;
        return Array.isArray(targets) ? String((targets[0] as { targetId: string }).targetId) : 'none';
    }

    it.each([
        ['the configured suffix', 'a@fabrikam.com', 'fabrikam'],
        ['upper case', 'a@FABRIKAM.COM', 'fabrikam'],
        ['mixed case', 'a@FaBrIkAm.CoM', 'fabrikam'],
        ['a decomposed (NFD) non-ASCII suffix', 'a@zoe\u0308.example', 'fabrikam'],
        ['an upper-case non-ASCII suffix', 'a@ZOË.EXAMPLE', 'fabrikam'],
        ['a fullwidth suffix', 'a@ｆａｂｒｉｋａｍ.com', 400],
        ['a fullwidth full stop', 'a@fabrikam．com', 400],
        ['a fullwidth, upper-case suffix', 'a@ＦＡＢＲＩＫＡＭ.COM', 400],
        ['another domain', 'a@contoso.com', 'contoso'],
    ])('routes %s to the same target or refuses it', async (_name, upn, expected) => {
        expect(await routed(upn)).toBe(expected);
    });

    it('property: any casing or fullwidth spelling of a routed suffix goes to its target or is refused', async () => {
        const spelling = fc.array(fc.constantFrom('same', 'upper', 'fullwidth'), { minLength: 12, maxLength: 12 });
        await fc.assert(
            fc.asyncProperty(spelling, async (how) => {
                const suffix = [...'fabrikam.com']
                    .map((c, i) => {
                        if (how[i] === 'upper') return c.toUpperCase();
                        if (how[i] === 'fullwidth') return String.fromCharCode(c.charCodeAt(0) + 0xfee0);
                        return c;
                    })
                    .join('');
                expect([400, 'fabrikam']).toContain(await routed(`a@${suffix}`));
            }),
            { numRuns: 80 },
        );
    });
});

describe('item 17: content codings and charsets other than identity and UTF-8 are 415, before any decoding', () => {
    const JSON_BODY = '{"kind":"joiner","upn":"zoë@contoso.com"}';

    function bytesRequest(bytes: Uint8Array, headers: Record<string, string>): HttpRequest {
        return new HttpRequest({
            method: 'POST',
            url: `${BASE_URL}/api/sync/requests`,
            headers,
            body: { bytes },
        });
    }

    // RFC 9110 §18.6 (HTTP Content Coding Registry) codings, and lists of them (§8.4: codings "listed in the order
    // in which they were applied").
    it.each([
        ['gzip', gzipSync(JSON_BODY)],
        ['x-gzip', gzipSync(JSON_BODY)],
        ['deflate', deflateSync(JSON_BODY)],
        ['compress', Buffer.from(JSON_BODY)],
        ['x-compress', Buffer.from(JSON_BODY)],
        ['br', Buffer.from(JSON_BODY)],
        ['zstd', Buffer.from(JSON_BODY)],
        ['GZIP', gzipSync(JSON_BODY)],
        ['identity, gzip', gzipSync(JSON_BODY)],
        ['gzip, identity', gzipSync(JSON_BODY)],
    ])('Content-Encoding: %s is 415 with Accept-Encoding: identity', async (coding, bytes) => {
        const h = harness();
        const response = await h.post(
            bytesRequest(new Uint8Array(bytes), { 'content-type': 'application/json', 'content-encoding': coding }),
            context(),
        );
        expect(response.status).toBe(415);
        expect(headerOf(response, 'accept-encoding')).toBe('identity');
        expect(bodyOf(response)).toMatchObject({
            code: 'UNSUPPORTED_MEDIA_TYPE',
            errors: [{ pointer: '/headers/content-encoding' }],
        });
        expect(h.requests.all()).toEqual([]);
    });

    it.each(['identity', 'IDENTITY', ' identity '])('Content-Encoding: %s is accepted', async (coding) => {
        const response = await harness().post(
            bytesRequest(new Uint8Array(Buffer.from(JSON_BODY)), {
                'content-type': 'application/json',
                'content-encoding': coding,
            }),
            context(),
        );
        expect(response.status).toBe(202);
    });

    // Charsets from the IANA registry that RFC 9110 §8.3.2 points to, each with the body in that charset.
    it.each([
        ['iso-8859-1', Buffer.from(JSON_BODY, 'latin1')],
        ['ISO-8859-1', Buffer.from(JSON_BODY, 'latin1')],
        ['windows-1252', Buffer.from(JSON_BODY, 'latin1')],
        ['utf-16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON_BODY, 'utf16le')])],
        ['utf-16le', Buffer.from(JSON_BODY, 'utf16le')],
        ['utf-16be', Buffer.from(JSON_BODY, 'utf16le').swap16()],
        ['utf-32', Buffer.from(JSON_BODY, 'utf16le')],
        ['us-ascii', Buffer.from('{"kind":"joiner"}', 'latin1')],
        ['"iso-8859-1"', Buffer.from(JSON_BODY, 'latin1')],
    ])('charset=%s is 415 before decoding', async (charset, bytes) => {
        for (const type of ['application/json', 'application/cloudevents+json']) {
            const response = await harness().post(
                bytesRequest(new Uint8Array(bytes), { 'content-type': `${type}; charset=${charset}` }),
                context(),
            );
            expect(response.status).toBe(415);
            expect(bodyOf(response)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
        }
    });

    it.each(['utf-8', 'UTF-8', '"utf-8"', 'Utf-8'])('charset=%s is accepted', async (charset) => {
        const response = await harness().post(
            bytesRequest(new Uint8Array(Buffer.from(JSON_BODY)), {
                'content-type': `application/json; charset=${charset}`,
            }),
            context(),
        );
        expect(response.status).toBe(202);
    });
});

describe('I-JSON number range, long literals', () => {
    it('reads a number literal whole, however long (no false positive from a split literal)', () => {
        const long = `{"kind":"joiner","x":0.${'0'.repeat(398)}1e400}`;
        expect(isRefusal(parseJsonText(long))).toBe(false);
        expect(parseJsonText(`{"x":${'9'.repeat(400)}}`)).toMatchObject({ refused: { code: 'NOT_I_JSON' } });
    });
});

describe('iterative serialisation (dead-letter copies of bodies too deep for JSON.stringify)', () => {
    it('property: gives the same text as JSON.stringify for any JSON value', () => {
        fc.assert(
            fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
                expect(stringifyIteratively(value)).toBe(JSON.stringify(value));
            }),
            { numRuns: 300 },
        );
    });
});
