/*
 * Characters that make an identifier look like another one, or hide part of it, in logs, the status page and
 * the portal. The identifier fields (upn, distinguishedName, objectId, change id; target, domain and
 * Idempotency-Key are ASCII-only already) refuse them:
 * - bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 (Unicode UAX #9; the
 *   "Trojan Source" class);
 * - zero-width and invisible format characters: U+200B–U+200D, U+2060, U+FEFF (a BOM inside a value);
 * - line and paragraph separators U+2028, U+2029 (line breaks to log viewers);
 * - C0 and C1 controls and DEL: U+0000–U+001F, U+007F–U+009F;
 * - unpaired surrogates (not Unicode text at all).
 */

/**
 * Whether a code point may appear in an identifier field.
 * @param cp - a code point
 */
function isIdentifierCodePoint(cp: number): boolean {
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
    if (cp === 0x061c || cp === 0x200e || cp === 0x200f) return false;
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return false;
    if ((cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff) return false;
    if (cp === 0x2028 || cp === 0x2029) return false;
    return cp < 0xd800 || cp > 0xdfff;
}

/**
 * Whether every code point of an identifier is allowed ({@link isIdentifierCodePoint}).
 * @param value - the identifier
 */
export function isCleanIdentifier(value: string): boolean {
    for (const ch of value) if (!isIdentifierCodePoint(ch.codePointAt(0) ?? 0)) return false;
    return true;
}

export const IDENTIFIER_MESSAGE =
    'contains invisible, bidirectional, separator or control characters, or an unpaired surrogate';

/**
 * Whether a UPN suffix routes as it reads. Routing compares suffixes after NFC and lower-casing
 * (src/domain/routing.ts); a suffix whose compatibility form differs (fullwidth `ｆａｂｒｉｋａｍ.com`, ligatures,
 * superscripts) would match no rule for the domain it imitates and fall through to the default target. Such
 * suffixes are refused instead, so a UPN reaches the target its suffix names or none.
 * @param upn - a UPN (name@suffix)
 */
export function upnSuffixRoutesAsItReads(upn: string): boolean {
    const suffix = upn.slice(upn.lastIndexOf('@') + 1);
    return suffix.normalize('NFKC').toLowerCase() === suffix.normalize('NFC').toLowerCase();
}
