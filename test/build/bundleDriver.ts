/**
 * Child-process driver for the bundle test: loads the esbuild bundle (path in BUNDLE_PATH) with the stand-in
 * `@azure/functions-core` (test/support/functionsRegistry), posts one change to the bundled `postSyncRequests` handler, and prints its status as
 * JSON. The bundled services send their telemetry to APPLICATIONINSIGHTS_CONNECTION_STRING; the driver then stays
 * alive until the parent has seen the event arrive and ends it (the bundle exposes no flush, so the SDK's own
 * export timer must get to run). A child process because NODE_EXTRA_CA_CERTS is only read when Node starts.
 */
import { createRequire } from 'node:module';

import { HttpRequest, InvocationContext } from '@azure/functions';

import { captureRegistrations } from '../support/functionsRegistry';

async function main(): Promise<void> {
    const bundle = process.env.BUNDLE_PATH ?? '';
    const load = createRequire(__filename);
    const functions = await captureRegistrations(() => Promise.resolve(load(bundle)));
    const post = functions.find((f) => f.name === 'postSyncRequests');
    if (post === undefined) throw new Error('the bundle did not register postSyncRequests');
    const request = new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/sync/requests',
        headers: { 'content-type': 'application/json' },
        body: { string: JSON.stringify({ changes: [{ kind: 'attribute', upn: 'user@contoso.com' }] }) },
    });
    const response: unknown = await post.handler(request, new InvocationContext({ logHandler: () => undefined }));
    const status: unknown = typeof response === 'object' && response !== null ? Reflect.get(response, 'status') : null;
    process.stdout.write(`${JSON.stringify({ status })}\n`);
    setInterval(() => undefined, 60_000);
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
