import { isIPv6 } from 'node:net';

/*
 * The CloudEvents 1.0 type system (cloudevents/spec.md, "Type System"), one predicate per type. Event
 * attributes are validated by these and nothing else: they are the producer's identifiers, never used on a command
 * line or rendered unescaped, so the character block-list of the change fields does not apply to them.
 */

/**
 * Whether a code point may appear in a CloudEvents `String`. Disallowed: "the control characters in the ranges
 * U+0000-U+001F and U+007F-U+009F", "code points identified as noncharacters by Unicode" (U+FDD0–U+FDEF and the
 * last two code points of every plane) and "code points identifying Surrogates, U+D800-U+DBFF and
 * U+DC00-U+DFFF ... unless used properly in pairs" (iterating by code point, a proper pair is one code point
 * above U+FFFF, so any surrogate seen here is unpaired).
 * @param cp - a code point
 */
function isCeStringCodePoint(cp: number): boolean {
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
    return cp < 0xd800 || cp > 0xdfff;
}

/**
 * A CloudEvents `String` (spec.md "Type System": "Sequence of allowable Unicode characters").
 * @param value - the attribute value
 */
export function isCeString(value: string): boolean {
    for (const ch of value) if (!isCeStringCodePoint(ch.codePointAt(0) ?? 0)) return false;
    return true;
}

// RFC 3986 §2 and Appendix A, as regular-expression fragments.
const PCT = '%[0-9A-Fa-f]{2}';
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const SEGMENT = `${PCHAR}*`;
const SEGMENT_NZ = `${PCHAR}+`;
const SEGMENT_NZ_NC = `(?:[${UNRESERVED}${SUB_DELIMS}@]|${PCT})+`;
const QUERY = `(?:${PCHAR}|[/?])*`;
const SCHEME = '[A-Za-z][A-Za-z0-9+.\\-]*';
const USERINFO = `(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*`;
/** IP-literal: an IPv6 address (checked again below with node:net) or IPvFuture. */
const IP_LITERAL = `\\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+)\\]`;
const REG_NAME = `(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*`;
const AUTHORITY = `(?:${USERINFO}@)?(?:${IP_LITERAL}|${REG_NAME})(?::[0-9]*)?`;
const PATH_ABEMPTY = `(?:/${SEGMENT})*`;
const PATH_ABSOLUTE = `/(?:${SEGMENT_NZ}(?:/${SEGMENT})*)?`;
const PATH_ROOTLESS = `${SEGMENT_NZ}(?:/${SEGMENT})*`;
const PATH_NOSCHEME = `${SEGMENT_NZ_NC}(?:/${SEGMENT})*`;
const HIER_PART = `(?://${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_ROOTLESS}|)`;
const RELATIVE_PART = `(?://${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_NOSCHEME}|)`;

/** `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]` (RFC 3986 §3). */
const URI = new RegExp(`^${SCHEME}:${HIER_PART}(?:\\?${QUERY})?(?:#${QUERY})?$`);
/** `relative-ref = relative-part [ "?" query ] [ "#" fragment ]` (RFC 3986 §4.2). */
const RELATIVE_REF = new RegExp(`^${RELATIVE_PART}(?:\\?${QUERY})?(?:#${QUERY})?$`);

/** An IP-literal in the authority must be a real IPv6 address (the character class above only bounds it). */
function ipLiteralOk(value: string): boolean {
    const authority = /^(?:[^:/?#]+:)?\/\/([^/?#]*)/.exec(value)?.[1];
    const literal = authority === undefined ? undefined : /\[([^\]]*)\]/.exec(authority)?.[1];
    return literal === undefined || /^[vV]/.test(literal) || isIPv6(literal);
}

/**
 * A CloudEvents `URI-reference`: "URI-reference as defined in RFC 3986 Section 4.1" (`URI / relative-ref`).
 * @param value - the attribute value (`source`)
 */
export function isUriReference(value: string): boolean {
    return (URI.test(value) || RELATIVE_REF.test(value)) && ipLiteralOk(value);
}

/**
 * A CloudEvents `URI`: "Absolute URI as defined in RFC 3986 Section 4.3". A fragment is accepted as well (RFC 3986
 * `URI`): schema URIs often carry one, and refusing it would lose events for an attribute this service never reads.
 * @param value - the attribute value (`dataschema`)
 */
export function isUri(value: string): boolean {
    return URI.test(value) && ipLiteralOk(value);
}

/** `date-time` of RFC 3339 §5.6; `T`/`Z` may be lower case (§5.6 NOTE), seconds may be 60 (leap second). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * A CloudEvents `Timestamp`: "RFC 3339", with the ranges of its §5.7 (day within the month, leap years).
 * @param value - the attribute value (`time`, Event Grid `eventTime`)
 */
export function isRfc3339(value: string): boolean {
    const m = RFC3339.exec(value);
    if (m === null) return false;
    const [year, month, day, hour, minute, second, offsetHour = 0, offsetMinute = 0] = m
        .slice(1)
        .map((p) => Number(p ?? 0));
    if (year === undefined || month === undefined || day === undefined) return false;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return (
        days !== undefined &&
        day >= 1 &&
        day <= days &&
        (hour ?? 99) <= 23 &&
        (minute ?? 99) <= 59 &&
        (second ?? 99) <= 60 &&
        offsetHour <= 23 &&
        offsetMinute <= 59
    );
}

/**
 * A CloudEvents `Integer`: "A whole number in the range -2,147,483,648 to +2,147,483,647 inclusive".
 * @param value - a JSON number
 */
export function isCeInteger(value: number): boolean {
    return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647;
}

/**
 * An attribute name: "MUST consist of lower-case letters ('a' to 'z') or digits ('0' to '9') from the ASCII
 * character set ... SHOULD NOT exceed 20 characters in length". The SHOULD is enforced as a limit.
 */
export const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;

/**
 * Decodes a binary-mode header value (http-protocol-binding.md §3.1.3.2): "any HTTP header value MUST first be
 * unescaped with respect to double-quoted strings ... A single round of percent-decoding MUST then be
 * performed", "decoding MUST accept lower-case values" and "encoded byte sequences which are invalid in UTF-8
 * MUST be rejected". A `%` not followed by two hex digits is kept as is: some SDKs (the JavaScript one among
 * them) send values unencoded, and such a `%` cannot start an escape. Returns null when the bytes are not UTF-8.
 * @param raw - the header value as received
 */
export function decodeHeaderValue(raw: string): string | null {
    let value = raw.trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (!value.includes('%')) return value;
    const bytes: number[] = [];
    const chars = [...value];
    for (let i = 0; i < chars.length; i++) {
        const c = chars[i] ?? '';
        const hex = (chars[i + 1] ?? '') + (chars[i + 2] ?? '');
        if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
            bytes.push(parseInt(hex, 16));
            i += 2;
        } else {
            bytes.push(...Buffer.from(c, 'utf8'));
        }
    }
    try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
    } catch {
        return null;
    }
}
