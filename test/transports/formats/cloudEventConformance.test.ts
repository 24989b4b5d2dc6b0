import { HttpRequest } from '@azure/functions';
import { CloudEvent, HTTP } from 'cloudevents';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BASE_URL, bodyOf, context, type Harness, harness, headerOf, postRequest } from '../harness';

/*
 * Issue 13 items 1, 3 and 4: CloudEvents and Event Grid input is validated by the specifications, so spec-valid
 * events are never refused (a 400 is not retried by Event Grid: the event is lost). The generators below are
 * built from the spec text quoted at each, not from the implementation.
 */

const JOINER = 'dev.entra-sync-trigger.change.joiner';
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

function event(override: Record<string, unknown> = {}): Record<string, unknown> {
    return { specversion: '1.0', id: 'e-1', source: '/hr', type: JOINER, data: { upn: 'a@contoso.com' }, ...override };
}

function gridEvent(override: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        id: 'g-1',
        eventType: JOINER,
        subject: 'users/1',
        eventTime: '2026-01-05T08:00:00Z',
        dataVersion: '1',
        data: { upn: 'a@contoso.com' },
        ...override,
    };
}

async function status(h: Harness, body: unknown, headers: Record<string, string> = STRUCTURED): Promise<number> {
    return (await h.post(postRequest(body, headers), context())).status ?? 0;
}

async function problemOf(body: unknown, headers: Record<string, string> = STRUCTURED) {
    const response = await harness().post(postRequest(body, headers), context());
    const code = response.status ?? 0;
    return { status: code, problem: code >= 400 ? bodyOf(response) : {} };
}

// ---------------------------------------------------------------------------------------------------------
// Generators from cloudevents/spec.md "Type System" and RFC 3986 / RFC 3339.
// ---------------------------------------------------------------------------------------------------------

/**
 * `String` - "Sequence of allowable Unicode characters. The following characters are disallowed: the control
 * characters in the ranges U+0000-U+001F and U+007F-U+009F ...; code points identified as noncharacters by
 * Unicode; code points identifying Surrogates, U+D800-U+DBFF and U+DC00-U+DFFF, both ranges inclusive, unless
 * used properly in pairs." So these are the allowed ranges; shell and markup characters are weighted in.
 */
const allowedCodePoint = fc.oneof(
    { arbitrary: fc.constantFrom(...';&$`|<>"\\\'(){}[]%?#/ '.split('').map((c) => c.charCodeAt(0))), weight: 3 },
    { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 4 },
    { arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }), weight: 1 },
    { arbitrary: fc.integer({ min: 0xe000, max: 0xfdcf }), weight: 1 },
    { arbitrary: fc.integer({ min: 0xfdf0, max: 0xfffd }), weight: 1 },
    {
        arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).filter((cp) => (cp & 0xfffe) !== 0xfffe),
        weight: 1,
    },
);
const ceString = (minLength: number, maxLength: number) =>
    fc.array(allowedCodePoint, { minLength, maxLength }).map((cps) => String.fromCodePoint(...cps));

/** The disallowed code points of the same rule, one of each kind. */
const disallowed = fc.oneof(
    fc.integer({ min: 0, max: 0x1f }).map((cp) => String.fromCharCode(cp)),
    fc.integer({ min: 0x7f, max: 0x9f }).map((cp) => String.fromCharCode(cp)),
    fc.integer({ min: 0xfdd0, max: 0xfdef }).map((cp) => String.fromCharCode(cp)),
    fc.integer({ min: 0, max: 16 }).map((plane) => String.fromCodePoint(plane * 0x10000 + 0xfffe)),
    fc.integer({ min: 0, max: 16 }).map((plane) => String.fromCodePoint(plane * 0x10000 + 0xffff)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((cp) => String.fromCharCode(cp)),
);

// RFC 3986 Appendix A, production by production.
const chars = (s: string) => fc.constantFrom(...s.split(''));
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGIT = '0123456789';
const HEXDIG = '0123456789ABCDEFabcdef';
const unreserved = chars(`${ALPHA}${DIGIT}-._~`);
const subDelims = chars("!$&'()*+,;=");
const pctEncoded = fc.tuple(chars(HEXDIG), chars(HEXDIG)).map(([a, b]) => `%${a}${b}`);
const pchar = fc.oneof(unreserved, pctEncoded, subDelims, fc.constantFrom(':', '@'));
const join = (parts: readonly string[]) => parts.join('');
const segment = fc.array(pchar, { maxLength: 6 }).map(join);
const segmentNz = fc.array(pchar, { minLength: 1, maxLength: 6 }).map(join);
const segmentNzNc = fc
    .array(fc.oneof(unreserved, pctEncoded, subDelims, fc.constant('@')), { minLength: 1, maxLength: 6 })
    .map(join);
const pathAbempty = fc
    .array(
        segment.map((s) => `/${s}`),
        { maxLength: 4 },
    )
    .map(join);
const pathAbsolute = fc
    .option(
        fc.tuple(segmentNz, pathAbempty).map(([a, b]) => a + b),
        { nil: '' },
    )
    .map((rest) => `/${rest}`);
const pathRootless = fc.tuple(segmentNz, pathAbempty).map(([a, b]) => a + b);
const pathNoscheme = fc.tuple(segmentNzNc, pathAbempty).map(([a, b]) => a + b);
const queryOrFragment = fc.array(fc.oneof(pchar, fc.constantFrom('/', '?')), { maxLength: 12 }).map(join);
const scheme = fc
    .tuple(chars(ALPHA), fc.array(chars(`${ALPHA}${DIGIT}+-.`), { maxLength: 6 }).map(join))
    .map(([a, b]) => a + b);
const regName = fc.array(fc.oneof(unreserved, pctEncoded, subDelims), { maxLength: 12 }).map(join);
const host = fc.oneof(
    regName,
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
);
const userinfo = fc.array(fc.oneof(unreserved, pctEncoded, subDelims, fc.constant(':')), { maxLength: 8 }).map(join);
const authority = fc
    .tuple(
        fc.option(
            userinfo.map((u) => `${u}@`),
            { nil: '' },
        ),
        host,
        fc.option(
            fc.nat(65535).map((p) => `:${p}`),
            { nil: '' },
        ),
    )
    .map(join);
const tail = fc
    .tuple(
        fc.option(
            queryOrFragment.map((q) => `?${q}`),
            { nil: '' },
        ),
        fc.option(
            queryOrFragment.map((f) => `#${f}`),
            { nil: '' },
        ),
    )
    .map(join);
/** `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]` */
const uri = fc
    .tuple(
        scheme,
        fc.oneof(
            fc.tuple(authority, pathAbempty).map(([a, p]) => `//${a}${p}`),
            pathAbsolute,
            pathRootless,
            fc.constant(''),
        ),
        tail,
    )
    .map(([s, h, t]) => `${s}:${h}${t}`);
/** `relative-ref = relative-part [ "?" query ] [ "#" fragment ]` */
const relativeRef = fc
    .tuple(
        fc.oneof(
            fc.tuple(authority, pathAbempty).map(([a, p]) => `//${a}${p}`),
            pathAbsolute,
            pathNoscheme,
            fc.constant(''),
        ),
        tail,
    )
    .map(([r, t]) => r + t);
/** `URI-reference = URI / relative-ref`; `source` "MUST be a non-empty URI-reference". */
const uriReference = fc.oneof(uri, relativeRef).filter((u) => u.length > 0 && u.length <= 1024);

/** RFC 3339 §5.6 `date-time`, with the §5.7 ranges; "T" and "Z" may be lower case, seconds may be 60. */
const timestamp = fc
    .record({
        year: fc.integer({ min: 0, max: 9999 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 31 }),
        hour: fc.integer({ min: 0, max: 23 }),
        minute: fc.integer({ min: 0, max: 59 }),
        second: fc.integer({ min: 0, max: 60 }),
        fraction: fc.option(fc.stringMatching(/^\.[0-9]{1,9}$/), { nil: '' }),
        t: fc.constantFrom('T', 't'),
        offset: fc.oneof(
            fc.constantFrom('Z', 'z'),
            fc
                .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
                .map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`),
        ),
    })
    .map((r) => {
        const leap = (r.year % 4 === 0 && r.year % 100 !== 0) || r.year % 400 === 0;
        const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][r.month - 1] ?? 28;
        const day = Math.min(r.day, days);
        return `${String(r.year).padStart(4, '0')}-${pad(r.month)}-${pad(day)}${r.t}${pad(r.hour)}:${pad(r.minute)}:${pad(r.second)}${r.fraction}${r.offset}`;
    });

function pad(n: number): string {
    return String(n).padStart(2, '0');
}

/** Attribute names: "lower-case letters ('a' to 'z') or digits ('0' to '9')", "SHOULD NOT exceed 20". */
const RESERVED = new Set([
    'specversion',
    'id',
    'source',
    'type',
    'subject',
    'time',
    'datacontenttype',
    'dataschema',
    'data',
    'traceparent',
]);
const extensionName = fc.stringMatching(/^[a-z0-9]{1,20}$/).filter((n) => !RESERVED.has(n));
/** Extension values by JSON type mapping (json-format.md §2.2): String, Integer (32-bit), Boolean. */
const extensionValue = fc.oneof(
    ceString(0, 40),
    fc.integer({ min: -2147483648, max: 2147483647 }),
    fc.boolean(),
    uriReference,
    timestamp,
);

// ---------------------------------------------------------------------------------------------------------

describe('item 1: CloudEvents attributes are validated by their CloudEvents type', () => {
    it.each([
        ['a source URL with a query string', { source: 'https://hr.example.com/events?tenant=contoso&env=prod' }],
        ['a source URN', { source: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66' }],
        ['a source mailto URI', { source: 'mailto:cncf-wg-serverless@lists.cncf.io' }],
        ['a source that is an application-specific identifier', { source: '1-555-123-4567' }],
        ['an id with ; & $', { id: 'batch;1&part=2$x' }],
        ['a subject with ; & $ and markup', { subject: 'users/$(whoami);a&b <b>"x"</b>' }],
        ['an id with PowerShell syntax (opaque to this service)', { id: '$(Remove-Item C:\\ -Recurse)' }],
        ['a non-ASCII subject with an emoji (a proper surrogate pair)', { subject: 'Zoë 😀 ﷽' }],
        ['a dataschema URI with a fragment', { dataschema: 'https://schemas.example.com/joiner.json#/v2' }],
        ['a lower-case RFC 3339 time with a leap second', { time: '2016-12-31t23:59:60.5z' }],
        ['a time with an offset and nanoseconds', { time: '2026-01-05T08:00:00.123456789+05:30' }],
        ['extension values of each JSON type', { comexamplestr: 'a;b&c$d', comexampleint: -2147483648, flag: true }],
        ['a 20-character extension name', { abcdefghij0123456789: 'x' }],
        ['null attributes, treated as unset (json-format.md §2.2)', { subject: null, time: null, unsetext: null }],
    ])('accepts %s', async (_name, override) => {
        expect(await status(harness(), event(override))).toBe(202);
        expect(await status(harness(), [event(override)], BATCH)).toBe(202);
    });

    it.each([
        ['a relative source with a space', { source: '/hr events' }, '/source'],
        ['a source with a bad percent-escape', { source: '/hr/%zz' }, '/source'],
        ['a source whose first segment has a colon but no valid scheme', { source: '1a:b' }, '/source'],
        ['a source with a non-IPv6 IP-literal', { source: 'https://[not:an:ip:literal:zz]/x' }, '/source'],
        ['an id with a control character', { id: 'a\u0000b' }, '/id'],
        ['an id with a C1 control', { id: 'a\u0085b' }, '/id'],
        ['a subject with a noncharacter', { subject: 'a\ufdd0b' }, '/subject'],
        ['a subject with a lone surrogate', { subject: 'a\ud800b' }, '/subject'],
        ['an empty id', { id: '' }, '/id'],
        ['a relative dataschema (URI must be absolute)', { dataschema: '/schemas/joiner.json' }, '/dataschema'],
        ['a time without an offset', { time: '2026-01-05T08:00:00' }, '/time'],
        ['a time on 30 February', { time: '2026-02-30T08:00:00Z' }, '/time'],
        ['a time on 29 February of a non-leap year', { time: '2025-02-29T08:00:00Z' }, '/time'],
        ['a time at hour 24', { time: '2026-01-05T24:00:00Z' }, '/time'],
        ['specversion 0.3', { specversion: '0.3' }, '/specversion'],
        ['an upper-case extension name', { Tenant: 'x' }, '/Tenant'],
        ['an extension name with an underscore', { my_ext: 'x' }, '/my_ext'],
        ['a 21-character extension name', { abcdefghij0123456789x: 'x' }, '/abcdefghij0123456789x'],
        ['an extension Integer beyond 32 bits', { count: 2147483648 }, '/count'],
        ['an extension number with a fraction', { ratio: 1.5 }, '/ratio'],
        ['an extension object', { nested: { a: 1 } }, '/nested'],
        ['binary data (data_base64)', { data_base64: 'e30=' }, '/data_base64'],
    ])('refuses %s at its field', async (_name, override, pointer) => {
        const { status: code, problem } = await problemOf(event(override));
        expect(code).toBe(400);
        expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
    });

    it('accepts every spec-valid id, source, subject, time and extension (property)', async () => {
        await fc.assert(
            fc.asyncProperty(
                ceString(1, 60),
                uriReference,
                fc.option(ceString(1, 60), { nil: undefined }),
                fc.option(timestamp, { nil: undefined }),
                fc.option(uri, { nil: undefined }),
                fc.dictionary(extensionName, extensionValue, { maxKeys: 3 }),
                async (id, source, subject, time, dataschema, extensions) => {
                    const e = event({ ...extensions, id, source, subject, time, dataschema });
                    const response = await harness().post(postRequest(e, STRUCTURED), context());
                    expect(response.status, JSON.stringify(response.body ?? '')).toBe(202);
                },
            ),
            { numRuns: 150 },
        );
    });

    it('refuses a String attribute holding any disallowed code point, at that attribute (property)', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom('id', 'subject', 'type'),
                ceString(0, 10),
                disallowed,
                ceString(0, 10),
                async (attribute, before, bad, after) => {
                    const { status: code, problem } = await problemOf(
                        event({ [attribute]: `${before}${bad}${after}x` }),
                    );
                    expect(code).toBe(400);
                    expect(problem.errors).toEqual(
                        expect.arrayContaining([expect.objectContaining({ pointer: `/${attribute}` })]),
                    );
                },
            ),
            { numRuns: 100 },
        );
    });

    it('accepts Event Grid events by the Event Grid schema (any String id, subject, topic; RFC 3339 time)', async () => {
        await fc.assert(
            fc.asyncProperty(
                ceString(1, 60),
                ceString(1, 60),
                fc.option(ceString(1, 80), { nil: undefined }),
                timestamp,
                fc.option(fc.constantFrom('', '1', '2.0'), { nil: undefined }),
                async (id, subject, topic, eventTime, dataVersion) => {
                    const e = gridEvent({ id, subject, topic, eventTime, dataVersion, metadataVersion: '1' });
                    const response = await harness().post(postRequest([e]), context());
                    expect(response.status, JSON.stringify(response.body ?? '')).toBe(202);
                },
            ),
            { numRuns: 100 },
        );
        // As Event Grid delivers it when the publisher sent no dataVersion: stamped empty.
        expect(await status(harness(), [gridEvent({ id: 'a;b&c$', dataVersion: '' })], {})).toBe(202);
        const topic = '/subscriptions/x/resourceGroups/rg/providers/Microsoft.EventGrid/topics/hr?env=prod&x=$1';
        expect(await status(harness(), [gridEvent({ topic })], {})).toBe(202);
    });

    it.each([
        ['an id with a control character', { id: 'a\u0007' }, '/0/id'],
        ['an eventTime that is not RFC 3339', { eventTime: '05/01/2026 08:00' }, '/0/eventTime'],
        ['a metadataVersion other than "1"', { metadataVersion: '2' }, '/0/metadataVersion'],
        ['a subject with a lone surrogate', { subject: '\udc00' }, '/0/subject'],
    ])('refuses an Event Grid event with %s', async (_name, override, pointer) => {
        const { status: code, problem } = await problemOf([gridEvent(override)], {});
        expect(code).toBe(400);
        expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
    });

    it('still applies the strict change-field rules inside data', async () => {
        const { status: code, problem } = await problemOf(event({ data: { upn: 'a;b@contoso.com' } }));
        expect(code).toBe(400);
        expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/data/upn' })]));
    });
});

describe('item 3: an empty CloudEvents batch is a valid no-op', () => {
    it('answers [] with 200, no request id, no Location, and stores nothing', async () => {
        // json-format.md §4.3: an empty batch is "typically used in a response, but also valid in a request";
        // http-protocol-binding.md §3.3.2: "The batch MAY be empty."
        const h = harness();
        const response = await h.post(
            postRequest('[]', { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' }),
            context(),
        );
        expect(response.status).toBe(200);
        expect(headerOf(response, 'location')).toBeUndefined();
        const body = bodyOf(response);
        expect(body).toEqual({ state: 'empty', format: 'cloudEvents.batch', changeCount: 0 });
        expect(body.requestId).toBeUndefined();
        expect(h.requests.all()).toEqual([]);
        expect(h.telemetry.ofType('RequestAccepted')).toEqual([]);
    });
});

/**
 * Percent-encodes a header value as http-protocol-binding.md §3.1.3.2 requires: "Space (U+0020), Double-quote
 * (U+0022), Percent (U+0025), Any characters outside the printable ASCII range of U+0021-U+007E inclusive" are
 * encoded, byte by byte of their UTF-8 form, as `%xy`.
 */
function ceHeaderEncode(value: string): string {
    let out = '';
    for (const ch of value) {
        const cp = ch.codePointAt(0) ?? 0;
        if (cp >= 0x21 && cp <= 0x7e && ch !== '"' && ch !== '%') out += ch;
        else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
}

function fromSdkMessage(message: { headers: Record<string, unknown>; body: unknown }, encode: boolean): HttpRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(message.headers)) {
        if (typeof v !== 'string') continue;
        headers[k] = encode && k.toLowerCase().startsWith('ce-') ? ceHeaderEncode(v) : v;
    }
    return new HttpRequest({
        method: 'POST',
        url: `${BASE_URL}/api/sync/requests`,
        headers,
        body: { string: typeof message.body === 'string' ? message.body : JSON.stringify(message.body) },
    });
}

describe('item 4: binary mode reads ce-traceparent and percent-decodes ce-* headers (official SDK, v10)', () => {
    const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
    const sdkEvent = () =>
        new CloudEvent({
            id: 'Zoë 100% "done" ; & $ €',
            source: 'https://hr.example.com/feed?tenant=contoso&env=prod',
            type: JOINER,
            subject: 'Euro € 😀',
            traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
            data: { upn: 'new.starter@contoso.com' },
        });

    it('binary mode: decoded attributes and ce-traceparent become the event key and the correlation id', async () => {
        const h = harness();
        const binary = await h.post(fromSdkMessage(HTTP.binary(sdkEvent()), true), context());
        expect(binary.status, JSON.stringify(binary.body ?? '')).toBe(202);
        expect(bodyOf(binary)).toMatchObject({
            format: 'cloudEvents.binary',
            correlationId: TRACE_ID,
            duplicate: false,
        });
        // The same event in structured mode has the same source + id once decoded: a duplicate, not a new request.
        const structured = await h.post(fromSdkMessage(HTTP.structured(sdkEvent()), false), context());
        expect(structured.status).toBe(202);
        expect(bodyOf(structured)).toMatchObject({
            format: 'cloudEvents.structured',
            duplicate: true,
            requestId: bodyOf(binary).requestId,
            correlationId: TRACE_ID,
        });
    });

    it('batch mode (SDK events in a JSON array) is accepted and carries the trace id', async () => {
        const h = harness();
        const events = [sdkEvent(), sdkEvent().cloneWith({ id: 'second; & $' })];
        const response = await h.post(postRequest(JSON.stringify(events.map((e) => e.toJSON())), BATCH), context());
        expect(response.status).toBe(202);
        expect(bodyOf(response)).toMatchObject({ format: 'cloudEvents.batch', correlationId: TRACE_ID });
        // The SDK reads back what we accepted.
        expect(HTTP.toEvent({ headers: BATCH, body: JSON.stringify(events.map((e) => e.toJSON())) })).toHaveLength(2);
    });

    it.each([
        ['lower-case hex digits', 'caf%c3%a9', 'café'],
        ['an unnecessarily encoded letter', '%41bc', 'Abc'],
        ['a double-quoted value with a backslash escape (RFC 7230 §3.2.6)', '"a\\"b c"', 'a"b c'],
        ['a % that starts no escape (an SDK that does not encode)', '50%off', '50%off'],
    ])('decodes %s', async (_name, header, decoded) => {
        const h = harness();
        const headers = { 'ce-specversion': '1.0', 'ce-source': '/hr', 'ce-type': JOINER };
        const binary = await h.post(postRequest({}, { ...headers, 'ce-id': header }), context());
        expect(binary.status).toBe(202);
        const structured = await h.post(postRequest(event({ id: decoded, data: {} })), context());
        expect(bodyOf(structured)).toMatchObject({ duplicate: true, requestId: bodyOf(binary).requestId });
    });

    it.each([
        ['an overlong encoding (%C0%A0, the spec example)', 'a%C0%A0b'],
        ['a lone continuation byte', '%80'],
        ['an encoded surrogate half', '%ED%A0%80'],
        ['a truncated sequence', '%E2%82'],
    ])('refuses %s: "encoded byte sequences which are invalid in UTF-8 MUST be rejected"', async (_name, header) => {
        const response = await harness().post(
            postRequest({}, { 'ce-specversion': '1.0', 'ce-source': '/hr', 'ce-type': JOINER, 'ce-id': header }),
            context(),
        );
        expect(response.status).toBe(400);
        expect(bodyOf(response).errors).toEqual([expect.objectContaining({ pointer: '/headers/ce-id' })]);
    });

    it('binary mode: a percent-encoded control character is refused after decoding', async () => {
        const response = await harness().post(
            postRequest({}, { 'ce-specversion': '1.0', 'ce-source': '/hr', 'ce-type': JOINER, 'ce-subject': 'a%0Ab' }),
            context(),
        );
        expect(response.status).toBe(400);
        expect(bodyOf(response).errors).toEqual(
            expect.arrayContaining([expect.objectContaining({ pointer: '/headers/ce-subject' })]),
        );
    });

    it('property: any spec-valid id and subject survive the spec encoding round trip in binary mode', async () => {
        await fc.assert(
            fc.asyncProperty(ceString(1, 30), ceString(1, 30), async (id, subject) => {
                const h = harness();
                const e = new CloudEvent({ id, subject, source: '/hr?x=1&y=2', type: JOINER, data: {} }, false);
                const binary = await h.post(fromSdkMessage(HTTP.binary(e), true), context());
                expect(binary.status, JSON.stringify(binary.body ?? '')).toBe(202);
                const structured = await h.post(fromSdkMessage(HTTP.structured(e), false), context());
                expect(bodyOf(structured)).toMatchObject({ duplicate: true, requestId: bodyOf(binary).requestId });
            }),
            { numRuns: 60 },
        );
    });
});
