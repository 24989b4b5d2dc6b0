import { z } from 'zod';

/**
 * The one place where what a status server sends becomes text for a terminal. `--url` may name any server, and a
 * compromised or mistaken one must not be able to clear the screen, retitle the window, ring the bell, hide or
 * reorder text (bidi overrides), or move the cursor through any string it sends. Every string of an answer is
 * parsed through {@link serverText} (the status schema and the problem details), every time through
 * {@link instant}, and `--json` re-encodes the answer with {@link terminalSafeJson}; nothing from the server reaches
 * the terminal another way.
 */

/**
 * What a terminal must never receive from the server: controls (C0 with ESC, BEL, CR and newline; DEL; C1, whose
 * U+009B is a CSI and U+009D an OSC on many terminals), format characters (bidi embeddings, overrides and isolates,
 * zero-width and tag characters, U+FFF9–U+FFFB), Unicode default-ignorable code points (soft hyphen, U+034F,
 * variation selectors, U+3164), line and paragraph separators, lone surrogates and noncharacters.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/gu;

/** Longer server strings are cut: a reason is a sentence, not a screenful. */
const MAX_SERVER_TEXT = 500;

/**
 * A server string made safe to print: each unsafe code point becomes `?`, and more than {@link MAX_SERVER_TEXT}
 * code points are cut with `…`.
 * @param text - any string the server sent
 */
export function terminalSafe(text: string): string {
    // Cut by code points (no surrogate pair split) from a bounded head: a huge string costs no more than a short one.
    const head = Array.from(text.slice(0, MAX_SERVER_TEXT * 2 + 2));
    const kept = head.length > MAX_SERVER_TEXT ? `${head.slice(0, MAX_SERVER_TEXT).join('')}…` : text;
    return kept.replace(UNSAFE, '?');
}

/** A string from the server, as it may be printed. */
export const serverText = z.string().transform(terminalSafe);

/**
 * A time from the server: an ISO 8601 UTC instant (`2026-01-05T08:30:00.000Z`, what the service writes) or the
 * answer is not a status. The views slice it (`08:30`), so only the exact format is accepted.
 */
export const instant = z.iso.datetime();

/**
 * `--json`: the answer as JSON, every unsafe code point written as a `\u` escape. Such characters can occur only
 * inside JSON strings, so the escaped text parses to exactly the same value; scripts get the data, the terminal
 * gets no control sequence.
 * @param value - the parsed answer
 */
export function terminalSafeJson(value: unknown): string {
    // JSON.stringify already escapes C0 controls and lone surrogates inside strings, so a raw newline is the
    // indentation's own and stays.
    return JSON.stringify(value, null, 2).replace(UNSAFE, (unsafe) =>
        unsafe === '\n'
            ? unsafe
            : Array.from(
                  { length: unsafe.length },
                  (_, i) => `\\u${unsafe.charCodeAt(i).toString(16).padStart(4, '0')}`,
              ).join(''),
    );
}
