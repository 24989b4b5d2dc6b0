import type { ServiceBusQueueFunctionOptions, Timer, TimerFunctionOptions } from '@azure/functions';

import type { Logger } from '../ports/logger';
import type { FunctionRegistration } from '../transports/functionRegistration';
import { invocationContext } from './invocation';
import type { LocalMessage, LocalQueue } from './localQueue';
import { parseNcrontab } from './ncrontab';
import type { ScaledClock } from './scaledClock';

/** What the queue and timer triggers of the local host run on. */
export interface TriggerDeps {
    readonly clock: ScaledClock;
    readonly log: Logger;
    /** The stand-in queue of a name, created on first use with the given batch size. */
    readonly queue: (name: string, maxBatch: number) => LocalQueue;
    /** host.json `extensions.serviceBus.maxMessageBatchSize`. */
    readonly maxBatch: number;
    /** Resolves `%NAME%` app-setting references in binding options, as the host does. */
    readonly resolve: (expression: string) => string;
}

/** The Service Bus trigger metadata of a delivery, one message or a batch, as the host fills it in. */
function serviceBusMetadata(messages: readonly LocalMessage[], many: boolean): Record<string, unknown> {
    if (many) {
        return {
            messageIdArray: messages.map((m) => m.messageId),
            deliveryCountArray: messages.map((m) => m.deliveryCount),
            enqueuedTimeUtcArray: messages.map((m) => new Date(m.enqueuedAt).toISOString()),
        };
    }
    const first = messages[0];
    return {
        messageId: first?.messageId,
        deliveryCount: first?.deliveryCount,
        enqueuedTimeUtc: new Date(first?.enqueuedAt ?? 0).toISOString(),
    };
}

function startQueueTrigger(name: string, options: ServiceBusQueueFunctionOptions, deps: TriggerDeps): void {
    const many = options.cardinality === 'many';
    deps.queue(deps.resolve(options.queueName), many ? deps.maxBatch : 1).subscribe(async (messages) => {
        const context = invocationContext(name, deps.log, { triggerMetadata: serviceBusMetadata(messages, many) });
        // Awaited so that a throw abandons the delivery (redelivered, then dead-lettered), as the host does.
        await options.handler(many ? messages.map((m) => m.body) : messages[0]?.body, context);
    });
}

/** setTimeout's limit; a later time simply re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a timer function on its NCRONTAB schedule in the (scaled) clock's time, with the `Timer` the host passes.
 * @returns stops the timer
 */
function startTimer(name: string, options: TimerFunctionOptions, deps: TriggerDeps): () => void {
    const schedule = parseNcrontab(deps.resolve(options.schedule));
    let handle: NodeJS.Timeout | null = null;
    let stopped = false;
    let last = deps.clock.now();
    const fire = async (): Promise<void> => {
        const now = deps.clock.now();
        const timer: Timer = {
            isPastDue: false,
            schedule: { adjustForDST: false },
            scheduleStatus: {
                last: new Date(last).toISOString(),
                next: new Date(schedule.nextAfter(now) ?? now).toISOString(),
                lastUpdated: new Date(now).toISOString(),
            },
        };
        last = now;
        try {
            await options.handler(timer, invocationContext(name, deps.log));
        } catch (e) {
            deps.log.error(`[${name}] timer invocation failed: ${e instanceof Error ? e.message : String(e)}`);
        }
    };
    const arm = (): void => {
        const next = schedule.nextAfter(deps.clock.now());
        if (next === null || stopped) return;
        const wait = (): void => {
            const delay = deps.clock.realDelay(next);
            handle =
                delay > MAX_TIMER_MS
                    ? setTimeout(wait, MAX_TIMER_MS)
                    : setTimeout(() => void fire().finally(arm), delay);
        };
        wait();
    };
    if (options.runOnStartup === true) void fire().finally(arm);
    else arm();
    return () => {
        stopped = true;
        if (handle !== null) clearTimeout(handle);
    };
}

/**
 * Starts the queue and timer triggers of the registrations (HTTP functions are served by the HTTP host).
 * @returns stops the timers (the queues are closed by their owner)
 */
export function startTriggers(functions: readonly FunctionRegistration[], deps: TriggerDeps): () => void {
    const stops: (() => void)[] = [];
    for (const fn of functions) {
        if (fn.trigger === 'serviceBusQueue') startQueueTrigger(fn.name, fn.options, deps);
        else if (fn.trigger === 'timer') stops.push(startTimer(fn.name, fn.options, deps));
    }
    return () => stops.forEach((stop) => stop());
}
