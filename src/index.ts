/**
 * The deployed entry point (`main` in package.json): esbuild bundles this file and everything it imports into
 * `dist/index.js`, so a cold worker loads one file instead of resolving thousands of modules in node_modules
 * (docs/BENCHMARKS.md, "Cold start"). It registers every function of functions/index.ts with the Functions host,
 * in that order, and the app-level hook (functions/ holds one trigger per file).
 */
import { app } from '@azure/functions';

import { FUNCTIONS } from '../functions/index';
import { flushServices } from './composition/runtime';
import type { FunctionRegistration } from './transports/functionRegistration';

function register(fn: FunctionRegistration): void {
    // Each gets a copy: `app.http` writes its output binding into the options object it is handed, and the list
    // is shared with the local host.
    switch (fn.trigger) {
        case 'http':
            app.http(fn.name, { ...fn.options });
            return;
        case 'serviceBusQueue':
            app.serviceBusQueue(fn.name, { ...fn.options });
            return;
        case 'timer':
            app.timer(fn.name, { ...fn.options });
            return;
    }
}

for (const fn of FUNCTIONS) register(fn);
app.hook.appTerminate(flushServices);
