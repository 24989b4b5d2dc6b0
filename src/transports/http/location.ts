import type { HttpRequest } from '@azure/functions';

import type { HttpOptions } from '../frontDoor';
import { statusPath } from '../routes';

/** Only used to resolve a relative status path; never part of the answer. */
const RELATIVE_BASE = 'http://relative.invalid';

/**
 * The status URL of a request, built from the configured or platform host name (`publicBaseUrl`: PUBLIC_BASE_URL,
 * else WEBSITE_HOSTNAME), never from the request's `Host` header: the caller chooses that header, and the
 * Location can carry a function key, so a Host-built Location could hand the key to any host the caller names.
 * Without a host name (outside any host) the Location is a relative reference. A function key sent as `code` is
 * carried over, as Durable Functions does, because Logic Apps polls the Location without the original request's
 * query string.
 * @param request - the request being answered
 * @param config - settings
 * @param requestId - the request id
 * @param targets - the targets of a request split across targets
 */
export function statusUrl(
    request: HttpRequest,
    config: { readonly http: Pick<HttpOptions, 'publicBaseUrl'> },
    requestId: string,
    targets: readonly string[] | null,
): string {
    const base = config.http.publicBaseUrl;
    const url = new URL(`${base ?? RELATIVE_BASE}${statusPath(requestId)}`);
    if (targets !== null) url.searchParams.set('targets', targets.join(','));
    const code = request.query.get('code');
    if (code !== null) url.searchParams.set('code', code);
    return base === null ? `${url.pathname}${url.search}` : url.toString();
}
