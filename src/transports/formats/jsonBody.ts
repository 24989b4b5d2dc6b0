import { iJsonViolation } from './iJson';
import { type FieldError, type Refusal, refuse } from './problem';

/** Deeper than any format we accept needs (a CloudEvent's data object sits at depth 3). */
export const MAX_JSON_DEPTH = 16;

/**
 * The deepest array/object nesting in a JSON text, scanned without parsing so that a hostile body cannot exhaust
 * the parser's stack.
 * @param text - the JSON text
 */
function jsonDepth(text: string): number {
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 0x5c) i++;
            else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
        else if (c === 0x5d || c === 0x7d) depth--;
    }
    return deepest;
}

/**
 * Parses a JSON text that passed the size check; refuses deep nesting, malformed JSON and text that is not
 * I-JSON (RFC 7493: duplicate member names, unpaired surrogates, numbers beyond the double range).
 * @param text - the body
 * @param pointer - where the text came from, for the field error
 */
export function parseJsonText(text: string, pointer = ''): ParsedJson {
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
        return refuse('NESTING_TOO_DEEP', `JSON nesting deeper than ${MAX_JSON_DEPTH} levels is not accepted.`, {
            errors: [{ pointer, detail: `nesting exceeds ${MAX_JSON_DEPTH}` }],
        });
    }
    let json: unknown;
    try {
        json = JSON.parse(text) as unknown;
    } catch (e) {
        // V8's SyntaxError quotes a slice of the input; problem details and dead-letter descriptions never echo it.
        const position = e instanceof SyntaxError ? /position (\d+)/.exec(e.message)?.[1] : undefined;
        const detail = position === undefined ? 'not valid JSON' : `not valid JSON at position ${position}`;
        const errors: FieldError[] = [{ pointer, detail }];
        return refuse('MALFORMED_JSON', 'The body could not be parsed as JSON.', { errors });
    }
    // After JSON.parse, so the scanner only ever sees well-formed text.
    const violation = iJsonViolation(text, pointer);
    if (violation !== null) {
        return refuse('NOT_I_JSON', 'The body is JSON but not I-JSON (RFC 7493); see errors.', {
            errors: [violation],
        });
    }
    return { json };
}

export type ParsedJson = { readonly json: unknown } | Refusal;
