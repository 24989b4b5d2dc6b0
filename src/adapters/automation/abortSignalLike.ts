import type { AutomationModels } from '@azure/arm-automation';

/** The abort-signal shape ms-rest-js declares; Node's AbortSignal fits at run time but not in its `this` types. */
export type AbortSignalLike = NonNullable<AutomationModels.JobGetOptionalParams['abortSignal']>;
type AbortListener = Parameters<AbortSignalLike['addEventListener']>[1];

/**
 * Wraps a standard AbortSignal in the shape ms-rest-js accepts, forwarding the abort event.
 * @param signal - the signal to forward
 */
export function toAbortSignalLike(signal: AbortSignal): AbortSignalLike {
    const wrapped = new Map<AbortListener, (event: Event) => void>();
    const like: AbortSignalLike = {
        get aborted() {
            return signal.aborted;
        },
        dispatchEvent: (event) => signal.dispatchEvent(event),
        onabort: null,
        addEventListener: (type, listener) => {
            const forward = (event: Event): void => {
                listener.call(like, event);
            };
            wrapped.set(listener, forward);
            signal.addEventListener(type, forward, { once: true });
        },
        removeEventListener: (type, listener) => {
            const forward = wrapped.get(listener);
            if (forward !== undefined) signal.removeEventListener(type, forward);
            wrapped.delete(listener);
        },
    };
    return like;
}
