import { createHash } from 'node:crypto';

/** What telemetry may record of an object reference (`TELEMETRY_USER_IDENTIFIERS`). */
export type UserIdentifierMode = 'none' | 'hashed' | 'plain';

/**
 * What telemetry may say about an object reference (a UPN, a DN, an object id), per `TELEMETRY_USER_IDENTIFIERS`:
 * nothing (`none`, the default), a salted SHA-256 (`hashed`: the same object gives the same value, so an operator
 * can correlate without learning who it is) or the value as sent (`plain`, opt-in).
 * @param value - the object reference
 * @param mode - the configured mode
 * @param salt - `TELEMETRY_HASH_SALT`
 * @returns the value to record, or `undefined` when nothing may be recorded
 */
export function telemetryObjectReference(value: string, mode: UserIdentifierMode, salt: string): string | undefined {
    switch (mode) {
        case 'none':
            return undefined;
        case 'hashed':
            return `sha256:${createHash('sha256').update(salt, 'utf8').update('\u0000').update(value.trim().toLowerCase(), 'utf8').digest('hex')}`;
        case 'plain':
            return value;
    }
}

/**
 * The object-reference policy the telemetry adapter applies to every event that names an object, from the
 * validated settings (TELEMETRY_USER_IDENTIFIERS, TELEMETRY_HASH_SALT).
 * @param settings - the telemetry settings
 */
export function objectReferencePolicy(settings: {
    readonly userIdentifiers?: UserIdentifierMode;
    readonly hashSalt?: string;
}): (value: string) => string | undefined {
    const mode = settings.userIdentifiers ?? 'none';
    const salt = settings.hashSalt ?? '';
    return (value) => telemetryObjectReference(value, mode, salt);
}
