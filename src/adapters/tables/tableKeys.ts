import { createHash } from 'node:crypto';

/** Caller strings that are already safe and short enough to be read in a storage explorer. */
const READABLE_KEY = /^[A-Za-z0-9._:@-]{1,200}$/;

/**
 * Turns any caller string into a valid PartitionKey/RowKey. Row keys refuse `/ \ # ?`, control characters and
 * more than 1 KiB, so anything else is hashed; the prefixes keep a readable key from ever equalling a hash.
 * @param value - a target id, request id or idempotency key
 */
export function safeKey(value: string): string {
    return READABLE_KEY.test(value) ? `k_${value}` : `h_${sha256Hex(value)}`;
}

/**
 * A key for a tuple of caller strings, always hashed: JSON keeps `["a:b","c"]` and `["a","b:c"]` apart.
 * @param parts - the strings that together form the key
 */
export function hashedKey(...parts: readonly string[]): string {
    return `h_${sha256Hex(JSON.stringify(parts))}`;
}

function sha256Hex(value: string): string {
    return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Run rows sort by seq when the row key is the zero-padded seq. */
export function seqRowKey(seq: number): string {
    return String(seq).padStart(12, '0');
}
