import type { InvocationContext } from '@azure/functions';

import { submitChanges } from '../../app/submitChanges';
import { ensureError } from '../../errors';
import type { InvalidMessage } from '../../ports/invalidMessageSink';
import { parseJsonText } from '../formats/jsonBody';
import { parseMessageBody } from '../formats/parseIntake';
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
        for (const message of batch) outcomes.push(await handleOne(services, message, context));
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

/** The body as text (for the dead-letter copy) and as a parsed value. */
function decode(body: unknown, maxBytes: number): { text: string; value: unknown } | Refusal {
    if (typeof body === 'string' || body instanceof Uint8Array) {
        const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
        if (Buffer.byteLength(text, 'utf8') > maxBytes) return tooLarge(text, maxBytes);
        const parsed = parseJsonText(text);
        return isRefusal(parsed) ? { ...parsed, text } : { text, value: parsed.json };
    }
    // The host already decoded a JSON body into a value.
    const text = JSON.stringify(body) ?? '';
    if (Buffer.byteLength(text, 'utf8') > maxBytes) return tooLarge(text, maxBytes);
    // The same nesting limit as a text body: a decoded body must not bypass it.
    const depthChecked = parseJsonText(text);
    return isRefusal(depthChecked) ? { ...depthChecked, text } : { text, value: body };
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
    const { config } = services;
    const decoded = decode(message.body, config.http.maxBodyBytes);
    const text = 'text' in decoded ? decoded.text : '';
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
    if (isRefusal(decoded)) return deadLetter(decoded);
    const parsed = parseMessageBody(decoded.value, { maxChanges: config.http.maxChangesPerRequest });
    if (isRefusal(parsed)) return deadLetter(parsed);
    if (parsed.kind !== 'changes') return { failed: new Error('unreachable: validation handshake on a queue') };
    const eventKeys = parsed.eventKeys ?? (message.messageId === null ? null : [`servicebus\n${message.messageId}`]);
    try {
        const outcome = await submitChanges<Refusal>(submitDeps(services), {
            ...parsed,
            idempotencyKey: null,
            eventKeys,
            traceparents: [parsed.traceparent],
            source: 'serviceBus',
        });
        if (outcome.kind !== 'accepted') return await deadLetter(submitRefusal(outcome, '/policy'));
        return 'accepted';
    } catch (e) {
        return { failed: ensureError(e) };
    }
}
