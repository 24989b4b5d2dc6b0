/**
 * The deployed entry point (`main` in package.json): esbuild bundles this file and everything it imports into
 * `dist/index.js`, so a cold worker loads one file instead of resolving thousands of modules in node_modules
 * (docs/BENCHMARKS.md, "Cold start"). Every function file registers itself with `app.*` on import; the imports
 * are explicit so the bundle holds exactly these functions, in this order. Add a new function file here too.
 * The app-level hook lives here too, since functions/ holds one trigger per file.
 */
import '../functions/postSyncRequests';
import '../functions/postInitialSyncRequests';
import '../functions/getSyncRequestStatus';
import '../functions/openApi';
import '../functions/statusPage';
import '../functions/changeQueue';
import '../functions/controlQueue';
import '../functions/reconcileTimer';
import '../functions/entraConfirmationTimer';

import { app } from '@azure/functions';

import { flushServices } from './composition/runtime';

app.hook.appTerminate(flushServices);
