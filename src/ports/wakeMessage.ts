import { createHash } from 'node:crypto';

import { z } from 'zod';

/** Body of a wake-up message on the control queue. */
export interface WakeMessageBody {
    readonly targetId: string;
    readonly token: string;
}

/** Subject (label) of wake-up messages, so other messages on the control queue are told apart. */
export const WAKE_SUBJECT = 'wake';

/** Service Bus message ids are at most 128 characters. */
const MAX_MESSAGE_ID = 128;

const wakeBodySchema = z.object({
    targetId: z.string().min(1).max(256),
    token: z.string().min(1).max(512),
});

/**
 * What the control trigger does with a message: wake the target, or dead-letter with a reason and description
 * (both safe to store: they never echo the body).
 */
export type ParsedWakeMessage =
    | { readonly kind: 'wake'; readonly wake: WakeMessageBody }
    | { readonly kind: 'invalid'; readonly deadLetterReason: string; readonly deadLetterErrorDescription: string };

/**
 * Parses a control-queue message body. The Functions host hands over JSON bodies already parsed; a string or
 * bytes (another sender's content type) are decoded first.
 * @param body - the message body as received
 */
export function parseWakeMessage(body: unknown): ParsedWakeMessage {
    let document: unknown = body;
    if (typeof body === 'string' || body instanceof Uint8Array) {
        const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
        try {
            document = JSON.parse(text);
        } catch {
            return invalid('WakeBodyNotJson', 'The wake message body is not JSON');
        }
    }
    const parsed = wakeBodySchema.safeParse(document);
    if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
        return invalid('WakeBodyInvalid', `The wake message body is not {targetId, token}: ${fields}`);
    }
    return { kind: 'wake', wake: parsed.data };
}

function invalid(deadLetterReason: string, deadLetterErrorDescription: string): ParsedWakeMessage {
    return { kind: 'invalid', deadLetterReason, deadLetterErrorDescription: deadLetterErrorDescription.slice(0, 1024) };
}

/**
 * The message id of a wake-up: the same (target, token) always gives the same id, so with duplicate detection on
 * the queue a retried schedule is dropped by Service Bus. Readable when it fits, hashed otherwise.
 * @param wake - target and token
 */
export function wakeMessageId(wake: WakeMessageBody): string {
    // Engine tokens are `<targetId>:<counter>`, already unique across targets.
    const readable = `wake|${wake.token}`;
    if (wake.token.startsWith(`${wake.targetId}:`) && readable.length <= MAX_MESSAGE_ID) return readable;
    const hash = createHash('sha256')
        .update(JSON.stringify([wake.targetId, wake.token]), 'utf8')
        .digest('hex');
    return `wake|sha256:${hash}`;
}
