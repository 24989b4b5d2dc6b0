import type { z } from 'zod';

import type { SubmittedChange } from '../../app/splitByTarget';
import type { ChangeKind } from '../../domain/change';
import type { SyncPolicy } from '../../domain/policy';
import type { RoutingHints } from '../../domain/routing';
import { decodeHeaderValue } from './cloudEventTypes';
import { kindOfEventType } from './eventTypes';
import { parseJsonText } from './jsonBody';
import { type FieldError, isRefusal, type Refusal, refuse } from './problem';
import {
    cloudEventSchema,
    eventDataSchema,
    eventGridEventSchema,
    nativeBatchSchema,
    nativeChangeSchema,
    nativeSingleSchema,
    subscriptionValidationSchema,
} from './schemas';
import { fieldErrors } from './zodErrors';

/** The shapes a POST can take. */
type IntakeFormat =
    'native' | 'cloudEvents.structured' | 'cloudEvents.batch' | 'cloudEvents.binary' | 'eventGrid' | 'serviceBus';

/** One change as sent, before routing: what the submission use case takes. */
type RawChange = SubmittedChange;

export interface ParsedChanges {
    readonly kind: 'changes';
    readonly format: IntakeFormat;
    readonly changes: readonly RawChange[];
    readonly requestPolicy?: SyncPolicy;
    readonly requestUrgent?: boolean;
    /** `source` + `id` of each event: the idempotency key of event formats. Null for native requests. */
    readonly eventKeys: readonly string[] | null;
    /** A W3C traceparent carried by the first event (CloudEvents distributed tracing extension). */
    readonly traceparent?: string;
    /** Events of a type this service does not handle, acknowledged and not submitted (event formats on HTTP). */
    readonly ignored: readonly IgnoredEvent[];
}

/**
 * An event acknowledged without being submitted because its type is not one of ours. Event Grid retries a 4xx
 * other than 400/401/403/413 for up to 24 hours, and a subscription or a CloudEvents producer may well send types
 * it has no filter for: a refusal would only make them come back. `source` is the CloudEvents `source` or the
 * Event Grid `topic` (empty when absent): producer identifiers, never event data.
 */
export interface IgnoredEvent {
    readonly id: string;
    readonly type: string;
    readonly source: string;
}

/**
 * Nothing to submit: an empty CloudEvents batch (json-format.md §4.3 calls `[]` "typically used in a response,
 * but also valid in a request", and http-protocol-binding.md §3.3.2 says "The batch MAY be empty"), or events
 * that were all of types this service does not handle (`ignored`).
 */
interface NoChanges {
    readonly kind: 'noChanges';
    readonly format: IntakeFormat;
    readonly ignored: readonly IgnoredEvent[];
}

export type ParsedIntake =
    ParsedChanges | NoChanges | { readonly kind: 'subscriptionValidation'; readonly validationCode: string } | Refusal;

/**
 * What an event of a type we do not handle gets: acknowledged (`ignore`) on the HTTP event paths, refused with
 * `UNKNOWN_EVENT_TYPE` on the change queue (a dead-lettered message is seen and never redelivered).
 */
type UnknownTypePolicy = 'ignore' | 'refuse';

/** What the parser needs from a transport: headers by lowercase name and the body text. */
export interface IntakeMessage {
    readonly header: (name: string) => string | null;
    readonly bodyText: string;
}

export interface ParseOptions {
    readonly maxChanges: number;
}

const JSON_TYPES = new Set(['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json']);

/**
 * Reads a media type, refusing anything but UTF-8 JSON flavours.
 * @param contentType - the Content-Type header
 */
export function mediaTypeOf(contentType: string | null): string | Refusal {
    if (contentType === null || contentType.trim() === '') {
        return refuse('UNSUPPORTED_MEDIA_TYPE', 'A Content-Type header is required.', {
            errors: [{ pointer: '/headers/content-type', detail: 'missing' }],
        });
    }
    const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
    const charset = params
        .find((p) => p.startsWith('charset='))
        ?.slice('charset='.length)
        .replace(/"/g, '');
    if (!JSON_TYPES.has(type) || (charset !== undefined && charset !== 'utf-8')) {
        return refuse('UNSUPPORTED_MEDIA_TYPE', `Send ${[...JSON_TYPES].join(', ')} in UTF-8.`, {
            errors: [{ pointer: '/headers/content-type', detail: 'not a supported media type' }],
        });
    }
    return type;
}

/**
 * Detects the format of a POST and parses it into raw changes. Everything returned is validated.
 * @param message - headers and body
 * @param options - limits
 */
export function parseIntake(message: IntakeMessage, options: ParseOptions): ParsedIntake {
    const mediaType = mediaTypeOf(message.header('content-type'));
    if (isRefusal(mediaType)) return mediaType;
    const specVersionHeader = message.header('ce-specversion');
    if (mediaType === 'application/json' && specVersionHeader !== null) return parseBinary(message);
    const parsed = parseJsonText(message.bodyText);
    if (isRefusal(parsed)) return parsed;
    const body = parsed.json;
    if (mediaType === 'application/cloudevents+json')
        return parseCloudEvents([body], 'cloudEvents.structured', options, '', 'ignore');
    if (mediaType === 'application/cloudevents-batch+json') {
        if (!Array.isArray(body)) return notA('a JSON array of CloudEvents', '');
        if (body.length === 0) return { kind: 'noChanges', format: 'cloudEvents.batch', ignored: [] };
        return parseCloudEvents(body, 'cloudEvents.batch', options, null, 'ignore');
    }
    if (
        message.header('aeg-event-type') !== null ||
        (Array.isArray(body) && body.every((e) => hasKey(e, 'eventType')))
    ) {
        return parseEventGrid(body, message.header('aeg-event-type'), options);
    }
    if (Array.isArray(body) && body.length > 0 && body.every((e) => hasKey(e, 'specversion'))) {
        return parseCloudEvents(body, 'cloudEvents.batch', options, null, 'ignore');
    }
    if (hasKey(body, 'specversion')) return parseCloudEvents([body], 'cloudEvents.structured', options, '', 'ignore');
    return parseNative(body, options);
}

/**
 * Parses an already decoded JSON value in the native or CloudEvents structured format (Service Bus bodies).
 * @param body - the message body
 * @param options - limits
 */
export function parseMessageBody(body: unknown, options: ParseOptions): ParsedIntake {
    if (hasKey(body, 'specversion')) return parseCloudEvents([body], 'cloudEvents.structured', options, '', 'refuse');
    const parsed = parseNative(body, options);
    return isRefusal(parsed) || parsed.kind !== 'changes' ? parsed : { ...parsed, format: 'serviceBus' };
}

function hasKey(value: unknown, key: string): boolean {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && key in value;
}

function notA(what: string, pointer: string): Refusal {
    return refuse('VALIDATION_FAILED', `The body must be ${what}.`, {
        errors: [{ pointer, detail: `must be ${what}` }],
    });
}

function tooMany(count: number, max: number, pointer: string): Refusal {
    return refuse('TOO_MANY_CHANGES', `At most ${max} changes are accepted in one request; got ${count}.`, {
        errors: [{ pointer, detail: `at most ${max} items` }],
        limit: max,
    });
}

function invalid(error: z.ZodError, prefix: string): Refusal {
    const errors = fieldErrors(error, prefix);
    const policyOnly = errors.length > 0 && errors.every((e) => e.pointer.endsWith('/policy'));
    if (policyOnly) return refuse('INVALID_POLICY', 'The policy must be "Delta" or "Initial".', { errors });
    return refuse('VALIDATION_FAILED', 'The body does not match the schema; see errors.', { errors });
}

function parseNative(body: unknown, options: ParseOptions): ParsedIntake {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return notA('a JSON object', '');
    if ('kind' in body) {
        const single = nativeSingleSchema.safeParse(body);
        if (!single.success) return invalid(single.error, '');
        const { policy, ...change } = single.data;
        return {
            kind: 'changes',
            format: 'native',
            changes: [toRawChange('', change)],
            ...(policy === undefined ? {} : { requestPolicy: policy }),
            eventKeys: null,
            ignored: [],
        };
    }
    const batch = nativeBatchSchema.safeParse(body);
    if (!batch.success) return invalid(batch.error, '');
    const { target, policy, urgent, changes } = batch.data;
    if (changes !== undefined && changes.length > options.maxChanges) {
        return tooMany(changes.length, options.maxChanges, '/changes');
    }
    const raw: RawChange[] = [];
    const errors: FieldError[] = [];
    (changes ?? [{ kind: 'manual' }]).forEach((item, i) => {
        const pointer = changes === undefined ? '' : `/changes/${i}`;
        const parsed = nativeChangeSchema.safeParse(item);
        if (parsed.success) raw.push(toRawChange(pointer, { ...parsed.data, target: parsed.data.target ?? target }));
        else errors.push(...fieldErrors(parsed.error, pointer));
    });
    if (errors.length > 0) {
        return refuse('VALIDATION_FAILED', 'Some changes do not match the schema; see errors.', {
            errors: errors.slice(0, 50),
        });
    }
    return {
        kind: 'changes',
        format: 'native',
        changes: raw,
        ...(policy === undefined ? {} : { requestPolicy: policy }),
        ...(urgent === undefined ? {} : { requestUrgent: urgent }),
        eventKeys: null,
        ignored: [],
    };
}

interface ChangeFields {
    readonly kind: ChangeKind;
    readonly id?: string | undefined;
    readonly target?: string | undefined;
    readonly upn?: string | undefined;
    readonly domain?: string | undefined;
    readonly distinguishedName?: string | undefined;
    readonly objectId?: string | undefined;
    readonly urgent?: boolean | undefined;
    readonly policy?: SyncPolicy | undefined;
}

function toRawChange(pointer: string, c: ChangeFields): RawChange {
    const hints: RoutingHints = {
        ...(c.target === undefined ? {} : { target: c.target }),
        ...(c.upn === undefined ? {} : { upn: c.upn }),
        ...(c.domain === undefined ? {} : { domain: c.domain }),
        ...(c.distinguishedName === undefined ? {} : { distinguishedName: c.distinguishedName }),
    };
    return {
        pointer,
        kind: c.kind,
        hints,
        ...(c.id === undefined ? {} : { id: c.id }),
        ...(c.objectId === undefined ? {} : { objectId: c.objectId }),
        ...(c.urgent === undefined ? {} : { urgent: c.urgent }),
        ...(c.policy === undefined ? {} : { policy: c.policy }),
    };
}

/** One event's envelope, already validated, as the change mapping needs it. */
interface EventEnvelope {
    readonly id: string;
    readonly type: string;
    readonly source: string;
    readonly data?: unknown;
}

/**
 * Turns one event's type and data into a raw change; an event of a type we do not handle is ignored or refused
 * as `unknownTypes` says (its data is then not validated: it is not ours to judge).
 * @param event - the event's id, type, source and data
 * @param pointers - where type and data sit in the body
 * @param unknownTypes - what a type we do not handle gets
 */
function eventChange(
    event: EventEnvelope,
    pointers: { readonly event: string; readonly type: string; readonly data: string },
    unknownTypes: UnknownTypePolicy,
): { readonly change: RawChange } | { readonly ignored: IgnoredEvent } | Refusal {
    const { id, type, source, data } = event;
    const kind = kindOfEventType(type);
    if (kind === null) {
        if (unknownTypes === 'ignore') return { ignored: { id, type, source } };
        return refuse('UNKNOWN_EVENT_TYPE', 'The event type is not one this service accepts; see the API docs.', {
            errors: [{ pointer: pointers.type, detail: 'unknown event type' }],
        });
    }
    const parsedData = eventDataSchema.safeParse(data ?? {});
    if (!parsedData.success) return invalid(parsedData.error, pointers.data);
    return { change: toRawChange(pointers.event, { kind, id, ...parsedData.data }) };
}

/** The changes and ignored events of a batch of events, with their idempotency keys; built in event order. */
class EventBatch {
    private readonly changes: RawChange[] = [];
    private readonly keys: string[] = [];
    private readonly ignored: IgnoredEvent[] = [];

    /**
     * Adds one mapped event.
     * @param mapped - what eventChange gave
     * @param key - the event's idempotency key (`source` or `topic`, then `id`)
     */
    add(mapped: { readonly change: RawChange } | { readonly ignored: IgnoredEvent }, key: string): void {
        if ('ignored' in mapped) {
            this.ignored.push(mapped.ignored);
            return;
        }
        this.changes.push(mapped.change);
        this.keys.push(key);
    }

    /**
     * The parse result: the changes (with what was ignored), or nothing to submit when every event was ignored.
     * @param format - the intake format
     * @param traceparent - the first event's trace context
     */
    result(format: IntakeFormat, traceparent: string | undefined): ParsedChanges | NoChanges {
        if (this.changes.length === 0) return { kind: 'noChanges', format, ignored: this.ignored };
        return {
            kind: 'changes',
            format,
            changes: this.changes,
            eventKeys: this.keys,
            ignored: this.ignored,
            ...(traceparent === undefined ? {} : { traceparent }),
        };
    }
}

function parseCloudEvents(
    events: readonly unknown[],
    format: IntakeFormat,
    options: ParseOptions,
    singlePointer: string | null,
    unknownTypes: UnknownTypePolicy,
): ParsedIntake {
    if (events.length === 0) return notA('a non-empty array of CloudEvents', '');
    if (events.length > options.maxChanges) return tooMany(events.length, options.maxChanges, '');
    const batch = new EventBatch();
    let traceparent: string | undefined;
    for (const [i, item] of events.entries()) {
        const pointer = singlePointer ?? `/${i}`;
        const parsed = cloudEventSchema.safeParse(item);
        if (!parsed.success) return invalid(parsed.error, pointer);
        const event = parsed.data;
        if (event.datacontenttype !== undefined && !/^application\/json\b/i.test(event.datacontenttype)) {
            return refuse('UNSUPPORTED_MEDIA_TYPE', 'CloudEvent data must be application/json.', {
                errors: [{ pointer: `${pointer}/datacontenttype`, detail: 'must be application/json' }],
            });
        }
        const mapped = eventChange(
            event,
            { event: pointer, type: `${pointer}/type`, data: `${pointer}/data` },
            unknownTypes,
        );
        if (isRefusal(mapped)) return mapped;
        batch.add(mapped, `${event.source}\n${event.id}`);
        if ('change' in mapped) traceparent ??= event.traceparent;
    }
    return batch.result(format, traceparent);
}

const BINARY_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'dataschema', 'traceparent'];

/**
 * Binary mode (http-protocol-binding.md §3.1): each attribute is a `ce-<name>` header whose value is unquoted and
 * percent-decoded (§3.1.3.2). The distributed-tracing extension arrives as `ce-traceparent` (what the official
 * SDKs send); a plain `traceparent` header is the fallback (the HTTP handler reads it too). Other extension
 * headers are not read: the service uses none of them.
 */
function parseBinary(message: IntakeMessage): ParsedIntake {
    const attributes: Record<string, string> = {};
    const errors: FieldError[] = [];
    for (const name of BINARY_ATTRIBUTES) {
        const header = `ce-${name}`;
        const raw = message.header(header) ?? (name === 'traceparent' ? message.header('traceparent') : null);
        if (raw === null) continue;
        const value = decodeHeaderValue(raw);
        if (value === null)
            errors.push({ pointer: `/headers/${header}`, detail: 'percent-encoded bytes are not UTF-8' });
        else attributes[name] = value;
    }
    if (errors.length > 0) {
        return refuse('VALIDATION_FAILED', 'The CloudEvent attributes are invalid; see errors.', { errors });
    }
    let data: unknown = undefined;
    if (message.bodyText.trim() !== '') {
        const parsed = parseJsonText(message.bodyText);
        if (isRefusal(parsed)) return parsed;
        data = parsed.json;
    }
    const parsedEvent = cloudEventSchema.safeParse({ ...attributes, data });
    if (!parsedEvent.success) {
        const errors = fieldErrors(parsedEvent.error, '').map((e) => ({
            pointer:
                e.pointer === '/data' || e.pointer.startsWith('/data/')
                    ? e.pointer
                    : `/headers/ce-${e.pointer.slice(1)}`,
            detail: e.detail,
        }));
        return refuse('VALIDATION_FAILED', 'The CloudEvent attributes are invalid; see errors.', { errors });
    }
    const event = parsedEvent.data;
    const mapped = eventChange({ ...event, data }, { event: '', type: '/headers/ce-type', data: '' }, 'ignore');
    if (isRefusal(mapped)) return mapped;
    const batch = new EventBatch();
    batch.add(mapped, `${event.source}\n${event.id}`);
    return batch.result('cloudEvents.binary', event.traceparent);
}

function parseEventGrid(body: unknown, eventTypeHeader: string | null, options: ParseOptions): ParsedIntake {
    if (!Array.isArray(body)) return notA('a JSON array of Event Grid events', '');
    if (body.length === 0) return notA('a non-empty array of Event Grid events', '');
    const validation = subscriptionValidationSchema.safeParse(body[0]);
    if (validation.success && (eventTypeHeader === null || eventTypeHeader === 'SubscriptionValidation')) {
        return { kind: 'subscriptionValidation', validationCode: validation.data.data.validationCode };
    }
    if (body.length > options.maxChanges) return tooMany(body.length, options.maxChanges, '');
    const batch = new EventBatch();
    for (const [i, item] of body.entries()) {
        const parsed = eventGridEventSchema.safeParse(item);
        if (!parsed.success) return invalid(parsed.error, `/${i}`);
        const event = parsed.data;
        const source = event.topic ?? '';
        const mapped = eventChange(
            { id: event.id, type: event.eventType, source, data: event.data },
            { event: `/${i}`, type: `/${i}/eventType`, data: `/${i}/data` },
            'ignore',
        );
        if (isRefusal(mapped)) return mapped;
        batch.add(mapped, `${source}\n${event.id}`);
    }
    return batch.result('eventGrid', undefined);
}
