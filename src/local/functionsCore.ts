import Module from 'node:module';

/** One binding as the host would receive it (`type`, `direction`, plus the trigger's own options). */
export type CapturedBinding = Readonly<Record<string, unknown>> & { readonly type: string; readonly direction: string };

/** One function registration as the host would receive it, with the handler the app registered. */
export interface CapturedFunction {
    readonly name: string;
    readonly bindings: Readonly<Record<string, CapturedBinding>>;
    readonly retryOptions?: unknown;
    readonly handler: (...args: unknown[]) => unknown;
}

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

function isCapturedBinding(value: unknown): value is CapturedBinding {
    return typeof value === 'object' && value !== null && 'type' in value && 'direction' in value;
}

/**
 * Captures the real function registrations by standing in for `@azure/functions-core`, the only way
 * `@azure/functions` reaches the host (azure-notes §3.3). The local host serves what this returns, so it runs
 * exactly the registrations Azure runs. Must run before anything in the process calls `app.*`: the library
 * remembers the core module (or its absence) on first use.
 * @param load - imports the function files
 */
export async function captureRegistrations(load: () => Promise<unknown>): Promise<CapturedFunction[]> {
    const registered: CapturedFunction[] = [];
    const fakeCore = {
        setProgrammingModel: () => undefined,
        log: () => undefined,
        registerHook: () => ({ dispose: () => undefined }),
        registerFunction: (metadata: unknown, handler: (...args: unknown[]) => unknown) => {
            if (typeof metadata !== 'object' || metadata === null) throw new Error('metadata is not an object');
            const name: unknown = Reflect.get(metadata, 'name');
            const rawBindings: unknown = Reflect.get(metadata, 'bindings');
            if (typeof name !== 'string' || typeof rawBindings !== 'object' || rawBindings === null) {
                throw new Error('unexpected function metadata shape');
            }
            const bindings: Record<string, CapturedBinding> = {};
            for (const [key, value] of Object.entries(rawBindings)) {
                if (isCapturedBinding(value)) bindings[key] = value;
            }
            registered.push({ name, bindings, retryOptions: Reflect.get(metadata, 'retryOptions'), handler });
            return { dispose: () => undefined };
        },
    };
    const original: unknown = Reflect.get(Module, '_load');
    if (typeof original !== 'function') throw new Error('Module._load is not available');
    const originalLoad = original as Load;
    const patched: Load = function (this: unknown, request, parent, isMain) {
        return request === '@azure/functions-core' ? fakeCore : originalLoad.call(this, request, parent, isMain);
    };
    Reflect.set(Module, '_load', patched);
    try {
        await load();
    } finally {
        Reflect.set(Module, '_load', originalLoad);
    }
    return registered;
}

/**
 * The trigger binding of a captured function.
 * @param fn - the captured function
 */
export function triggerOf(fn: CapturedFunction): CapturedBinding {
    const trigger = Object.values(fn.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
    if (trigger === undefined) throw new Error(`${fn.name} has no trigger binding`);
    return trigger;
}
