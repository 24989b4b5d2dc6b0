import { CHANGE_KINDS, type ChangeKind } from '../../domain/change';

/** CloudEvents `type` / Event Grid `eventType` of a change: reverse-DNS prefix plus the change kind. */
const EVENT_TYPE_PREFIX = 'dev.entra-sync-trigger.change.';

/** Every accepted event type, for docs and the OpenAPI document. */
export const EVENT_TYPES: readonly string[] = CHANGE_KINDS.map((k) => `${EVENT_TYPE_PREFIX}${k}`);

/**
 * The change kind an event type stands for, or null when the type is not ours.
 * @param type - the event's type
 */
export function kindOfEventType(type: string): ChangeKind | null {
    if (!type.startsWith(EVENT_TYPE_PREFIX)) return null;
    const rest = type.slice(EVENT_TYPE_PREFIX.length);
    return CHANGE_KINDS.find((k) => k === rest) ?? null;
}
