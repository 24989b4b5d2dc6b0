/**
 * What the Functions host receives from the app: the metadata `@azure/functions` hands to `@azure/functions-core`,
 * the module the host's Node.js worker provides to the app. Outside the host no such module exists (the library then
 * runs in "test mode" and registers nothing), so here a stand-in is resolved in its place through Node's module
 * customization hooks (`module.registerHooks`, a public API) and records every registration with its handler.
 * Capture before anything else in the test process touches `app.*`: `@azure/functions` remembers the core module, or
 * its absence, on first use (vitest runs each test file in its own process).
 */
import { registerHooks } from 'node:module';

import { z } from 'zod';

/** One binding as the host receives it (`type`, `direction`, plus the trigger's own options). */
export type CapturedBinding = Readonly<Record<string, unknown>> & { readonly type: string; readonly direction: string };

/** One function registration as the host receives it, with the handler the app registered. */
export interface CapturedFunction {
    readonly name: string;
    readonly bindings: Readonly<Record<string, CapturedBinding>>;
    readonly retryOptions?: unknown;
    readonly handler: (...args: unknown[]) => unknown;
}

const metadataSchema = z.object({
    name: z.string(),
    bindings: z.record(z.string(), z.looseObject({ type: z.string(), direction: z.string() })),
    retryOptions: z.unknown().optional(),
});

/** The stand-in's exports reach the virtual module through this global: the hooks hand Node source text only. */
const STAND_IN = Symbol.for('entra-sync-trigger.test.functionsCore');
const STAND_IN_URL = 'entra-sync-trigger-test:functions-core';

let recording: CapturedFunction[] | null = null;

const standIn = {
    setProgrammingModel: (): void => undefined,
    log: (): void => undefined,
    registerHook: () => ({ dispose: (): void => undefined }),
    registerFunction: (metadata: unknown, handler: (...args: unknown[]) => unknown) => {
        const parsed = metadataSchema.parse(metadata);
        recording?.push({ ...parsed, handler });
        return { dispose: (): void => undefined };
    },
};

/**
 * Runs `load` with `@azure/functions-core` resolved to the stand-in, and returns what was registered meanwhile.
 * @param load - imports the code that registers (src/index.ts, or a bundle of it)
 */
export async function captureRegistrations(load: () => Promise<unknown>): Promise<CapturedFunction[]> {
    Reflect.set(globalThis, STAND_IN, standIn);
    const hooks = registerHooks({
        resolve: (specifier, context, nextResolve) =>
            specifier === '@azure/functions-core'
                ? { url: STAND_IN_URL, format: 'commonjs', shortCircuit: true }
                : nextResolve(specifier, context),
        load: (url, context, nextLoad) =>
            url === STAND_IN_URL
                ? {
                      format: 'commonjs',
                      source: `module.exports = globalThis[Symbol.for(${JSON.stringify(STAND_IN.description)})];`,
                      shortCircuit: true,
                  }
                : nextLoad(url, context),
    });
    const registered: CapturedFunction[] = [];
    recording = registered;
    try {
        await load();
    } finally {
        recording = null;
        hooks.deregister();
    }
    return registered;
}

/** The registrations of the deployed entry point, src/index.ts: exactly what the host receives in Azure. */
export function captureAppRegistrations(): Promise<CapturedFunction[]> {
    return captureRegistrations(() => import('../../src/index.js'));
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
