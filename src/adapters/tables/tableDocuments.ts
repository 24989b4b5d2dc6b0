import type { z } from 'zod';

import { PermanentDependencyError } from '../../errors';

/** Table string properties hold at most 64 KiB of UTF-16, i.e. 32 Ki characters; stay below it. */
const CHUNK_CHARS = 30_000;
/** An entity holds at most 1 MiB and 255 properties; 15 chunks stay well inside both. */
const MAX_CHUNKS = 15;

/**
 * Splits a JSON document across string properties `json0`, `json1`, … with `jsonChunks` saying how many.
 * @param json - the document
 * @param what - names the document in the error when it is too large
 */
function toChunkedProperties(json: string, what: string): Record<string, string | number> {
    const chunks = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
    if (chunks > MAX_CHUNKS) {
        throw new RangeError(
            `${what} is ${json.length} characters; an entity holds at most ${MAX_CHUNKS * CHUNK_CHARS}`,
        );
    }
    const properties: Record<string, string | number> = { jsonChunks: chunks };
    for (let i = 0; i < chunks; i++) properties[`json${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
    return properties;
}

/**
 * Joins what {@link toChunkedProperties} split; null when the entity is not shaped that way.
 * @param entity - the entity as read
 */
function fromChunkedProperties(entity: Readonly<Record<string, unknown>>): string | null {
    const chunks = entity.jsonChunks;
    if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) return null;
    let json = '';
    for (let i = 0; i < chunks; i++) {
        const part = entity[`json${i}`];
        if (typeof part !== 'string') return null;
        json += part;
    }
    return json;
}

/**
 * The document's properties for an entity; too large a document is a permanent failure (retrying cannot shrink it).
 * @param document - a JSON-serialisable value
 * @param what - names it in errors, e.g. `State of target contoso`
 */
export function documentProperties(document: unknown, what: string): Record<string, string | number> {
    try {
        return toChunkedProperties(JSON.stringify(document), what);
    } catch (e) {
        throw new PermanentDependencyError(e instanceof Error ? e.message : `${what} is too large`, undefined, {
            cause: e,
        });
    }
}

/**
 * Reads an entity's document back and parses it with `schema`: stored data is input, never cast.
 * @param entity - the entity as read
 * @param schema - the document's schema
 * @param what - names it in errors
 */
export function parseDocument<T>(entity: Readonly<Record<string, unknown>>, schema: z.ZodType<T>, what: string): T {
    const json = fromChunkedProperties(entity);
    if (json === null) throw new PermanentDependencyError(`Stored ${what} has no JSON document`);
    let document: unknown;
    try {
        document = JSON.parse(json);
    } catch (e) {
        throw new PermanentDependencyError(`Stored ${what} is not valid JSON`, undefined, { cause: e });
    }
    const parsed = schema.safeParse(document);
    if (!parsed.success) {
        throw new PermanentDependencyError(`Stored ${what} does not match the current schema`, undefined, {
            cause: parsed.error,
        });
    }
    return parsed.data;
}
