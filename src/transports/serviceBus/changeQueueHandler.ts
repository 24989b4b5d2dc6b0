import type { InvocationContext } from '@azure/functions';

import { submitChanges } from '../../app/submitChanges';
import { ensureError } from '../../errors';
import type { InvalidMessage } from '../../ports/invalidMessageSink';
import { decodedViolation, stringifyIteratively, valueDepthExceeds } from '../formats/iJson';
import { MAX_JSON_DEPTH, parseJsonText } from '../formats/jsonBody';
import { type ParsedChanges, type ParsedIntake, parseMessageBody } from '../formats/parseIntake';
import { isRefusal, type Refusal, refuse } from '../formats/problem';
import { submitRefusal } from '../formats/submitRefusal';
import { type FrontDoor, type FrontDoorResolver, submitDeps } from '../frontDoor';

export type ChangeQueueHandler = (messages: unknown, context: InvocationContext) => Promise<void>;

/** One message of the batch with what the trigger metadata says about it. */
interface QueueMessage {
    readonly body: unknown;
    readonly messageId: string | null;
    readonly deliveryCount: number | null;
}

/** What became of one message. */
type MessageOutcome = 'accepted' | 'deadLettered' | { readonly failed: Error };

/**
 * The change-queue trigger (cardinality many). Each message is handled on its own:
 * - valid: accepted (idempotent on its event ids or `messageId`, so a redelivered batch never counts twice);
 * - permanently invalid: handed to the invalid-message sink, which dead-letters it with the problem code as
 *   reason and the field errors as description;
 * - anything else a message throws while it is decoded or parsed (a bug, a body no check foresaw): caught for
 *   that message alone and dead-lettered as `INTERNAL_ERROR`, so one poisoned message never takes its
 *   neighbours with it;
 * - a transient failure (storage, the sink): remembered, the rest of the batch still handled, then the
 *   invocation throws so the host abandons the batch and Service Bus redelivers it. Messages already accepted
 *   are recognised as duplicates on redelivery; after `maxDeliveryCount` the host dead-letters what remains.
 * @param resolve - gives the services
 */
export function createChangeQueueHandler(resolve: FrontDoorResolver): ChangeQueueHandler {
    return async (messages, context) => {
        const services = await resolve();
        const batch = toQueueMessages(messages, context);
        const outcomes: MessageOutcome[] = [];
        for (const message of batch) {
            // handleOne settles every failure itself; this catch is the last line that keeps one message's
            // failure from skipping the rest of the batch.
            outcomes.push(
                await handleOne(services, message, context).catch((e: unknown) => ({ failed: ensureError(e) })),
            );
        }
        const failures = outcomes.flatMap((o) => (typeof o === 'object' ? [o.failed] : []));
        const deadLettered = outcomes.filter((o) => o === 'deadLettered').length;
        context.info(
            `Change batch: ${batch.length} messages, ${batch.length - deadLettered - failures.length} accepted, ${deadLettered} dead-lettered, ${failures.length} failed`,
        );
        if (failures.length > 0) {
            throw new Error(
                `${failures.length} of ${batch.length} messages failed transiently (first: ${failures[0]?.message ?? ''}); the batch will be redelivered`,
            );
        }
    };
}

function listOf(value: unknown): unknown[] | null {
    return Array.isArray(value) ? value : null;
}

function toQueueMessages(messages: unknown, context: InvocationContext): QueueMessage[] {
    const bodies: unknown[] = Array.isArray(messages) ? messages : [messages];
    const metadata = context.triggerMetadata ?? {};
    const ids = listOf(metadata.messageIdArray);
    const counts = listOf(metadata.deliveryCountArray);
    return bodies.map((body, i) => {
        const id = ids?.[i];
        const count = counts?.[i];
        return {
            body,
            messageId: typeof id === 'string' && id.length > 0 ? id : null,
            deliveryCount: typeof count === 'number' ? count : null,
        };
    });
}

/**
 * Serialises a decoded body for the dead-letter copy, at any depth (iteratively), and never throws: a body that
 * cannot be read (a throwing getter) is copied as an empty string.
 */
function textOf(body: unknown): string {
    try {
        return stringifyIteratively(body);
    } catch {
        return '';
    }
}

/** The body as text (for the dead-letter copy) and as a parsed value. */
function decode(body: unknown, maxBytes: number): { text: string; value: unknown } | (Refusal & { text: string }) {
    if (typeof body === 'string' || body instanceof Uint8Array) {
        const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
        if (Buffer.byteLength(text, 'utf8') > maxBytes) return tooLarge(text, maxBytes);
        const parsed = parseJsonText(text);
        return isRefusal(parsed) ? { ...parsed, text } : { text, value: parsed.json };
    }
    // The host already decoded a JSON body into a value. Its depth is measured without recursion BEFORE it is
    // serialised: JSON.stringify of a 5,000-level value throws (stack), which used to abort the whole batch.
    if (valueDepthExceeds(body, MAX_JSON_DEPTH)) {
        const refusal = refuse(
            'NESTING_TOO_DEEP',
            `JSON nesting deeper than ${MAX_JSON_DEPTH} levels is not accepted.`,
            {
                errors: [{ pointer: '', detail: `nesting exceeds ${MAX_JSON_DEPTH}` }],
            },
        );
        return { ...refusal, text: textOf(body) };
    }
    const text = textOf(body);
    if (Buffer.byteLength(text, 'utf8') > maxBytes) return tooLarge(text, maxBytes);
    // Duplicate member names are gone once the host has parsed the body; what I-JSON rules remain are checked.
    const violation = decodedViolation(body);
    if (violation !== null) {
        const refusal = refuse('NOT_I_JSON', 'The body is JSON but not I-JSON (RFC 7493); see errors.', {
            errors: [violation],
        });
        return { ...refusal, text };
    }
    return { text, value: body };
}

function tooLarge(text: string, maxBytes: number): Refusal & { text: string } {
    return { ...refuse('BODY_TOO_LARGE', `Messages larger than ${maxBytes} bytes are not accepted.`), text };
}

/** The dead-letter description: the problem's detail and its field pointers, never payload values. */
function describe(refusal: Refusal): string {
    const fields = (refusal.refused.errors ?? []).map((e) => `${e.pointer || '/'}: ${e.detail}`);
    return [refusal.refused.detail, ...fields].join(' | ').slice(0, 4000);
}

async function handleOne(
    services: FrontDoor,
    message: QueueMessage,
    context: InvocationContext,
): Promise<MessageOutcome> {
    let text = '';
    const deadLetter = async (refusal: Refusal): Promise<MessageOutcome> => {
        const invalid: InvalidMessage = {
            messageId: message.messageId,
            body: text,
            reason: refusal.refused.code,
            description: describe(refusal),
            deliveryCount: message.deliveryCount,
        };
        try {
            await services.invalidMessages.deadLetter(invalid);
        } catch (e) {
            return { failed: ensureError(e) };
        }
        services.telemetry.track({
            type: 'RequestRejected',
            code: refusal.refused.code,
            status: refusal.refused.status,
            source: 'serviceBus',
        });
        context.warn(`Dead-lettered message ${message.messageId ?? '(no id)'}: ${refusal.refused.code}`);
        return 'deadLettered';
    };
    let parsed: ParsedIntake;
    try {
        const decoded = decode(message.body, services.config.http.maxBodyBytes);
        text = decoded.text;
        if (isRefusal(decoded)) return await deadLetter(decoded);
        parsed = parseMessageBody(decoded.value, { maxChanges: services.config.http.maxChangesPerRequest });
    } catch (e) {
        // Decoding and validation are deterministic: a message that throws here throws on every delivery.
        const error = ensureError(e);
        context.error(`Message ${message.messageId ?? '(no id)'} could not be read: ${error.name}`);
        return deadLetter(
            refuse('INTERNAL_ERROR', `The message could not be read (${error.name}); it was set aside alone.`),
        );
    }
    if (isRefusal(parsed)) return deadLetter(parsed);
    if (parsed.kind !== 'changes') {
        return deadLetter(refuse('VALIDATION_FAILED', 'The body is not a change (native JSON or one CloudEvent).'));
    }
    return submitOne(services, message, parsed, deadLetter);
}

/**
 * Anyone with Data Sender on the queue can send a message, so the queue grants Initial (hours of full sync) only
 * when CHANGE_QUEUE_ALLOW_INITIAL says so. A message asking for it otherwise is dead-lettered with its reason,
 * never downgraded to Delta: its sender asked for something it did not get, and must be told.
 */
function initialGrant(services: FrontDoor, policies: ReadonlySet<string>): Refusal | null {
    if (!policies.has('Initial') || services.config.changeQueueAllowsInitial) return null;
    return refuse(
        'INITIAL_NOT_GRANTED',
        'The change queue does not accept Initial (full) syncs (CHANGE_QUEUE_ALLOW_INITIAL is false); the message was set aside, not downgraded to Delta.',
        { errors: [{ pointer: '/policy', detail: 'Initial is not granted on the change queue' }] },
    );
}

async function submitOne(
    services: FrontDoor,
    message: QueueMessage,
    parsed: ParsedChanges,
    deadLetter: (refusal: Refusal) => Promise<MessageOutcome>,
): Promise<MessageOutcome> {
    const eventKeys = parsed.eventKeys ?? (message.messageId === null ? null : [`servicebus\n${message.messageId}`]);
    try {
        const outcome = await submitChanges<Refusal>(submitDeps(services), {
            ...parsed,
            caller: { kind: 'changeQueue' },
            idempotencyKey: null,
            eventKeys,
            traceparents: [parsed.traceparent],
            source: 'serviceBus',
            authorize: (policies) => initialGrant(services, policies),
        });
        if (outcome.kind !== 'accepted') return await deadLetter(submitRefusal(outcome, '/policy'));
        return 'accepted';
    } catch (e) {
        return { failed: ensureError(e) };
    }
}
