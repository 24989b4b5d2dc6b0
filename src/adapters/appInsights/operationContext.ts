import { type Context, context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

import { operationIdFor, operationParentIdFor } from './operationId';

let ensured = false;

/**
 * The v3 shim stamps `ai.operation.id` from the OpenTelemetry context active when an item is tracked (it ignores
 * `tagOverrides`). With `useGlobalProviders: false` nobody registers a context manager, so `context.with` would
 * be a no-op. We register the same AsyncLocalStorage manager the Azure Monitor distro registers, and only when no
 * manager is registered yet, so a distro added later keeps working either way.
 * @returns whether a working context manager is in place
 */
export function ensureContextManager(): boolean {
    if (!ensured) {
        ensured = true;
        const probe = ROOT_CONTEXT.setValue(Symbol('probe'), true);
        if (context.with(probe, () => context.active()) !== probe) {
            context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
        }
    }
    const probe = ROOT_CONTEXT.setValue(Symbol('probe'), true);
    return context.with(probe, () => context.active()) === probe;
}

/** The OpenTelemetry context whose trace id is the operation id of a correlation id. */
function operationContext(correlationId: string): Context {
    const traceId = operationIdFor(correlationId);
    return trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: operationParentIdFor(traceId),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
    });
}

/**
 * Runs `fn` with the operation of `correlationId` active, or as it is when there is none.
 * @param correlationId - the window's correlation id, or null for items outside a window
 * @param fn - synchronous tracking calls
 */
export function inOperation(correlationId: string | null, fn: () => void): void {
    if (correlationId === null) {
        context.with(ROOT_CONTEXT, fn);
        return;
    }
    context.with(operationContext(correlationId), fn);
}
