/**
 * The stand-in `@azure/functions-core` that captures function registrations. One implementation, in
 * src/local/functionsCore.ts (the local host serves what it captures); tests import it from here. Call
 * `captureRegistrations` first in a test file: `@azure/functions` remembers the host (or its absence) on first use,
 * and vitest runs each test file in its own process.
 */
export { type CapturedFunction, captureRegistrations, triggerOf } from '../../src/local/functionsCore';
