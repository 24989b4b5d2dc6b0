import type { HttpRequest } from '@azure/functions';

import type { HttpOptions } from '../frontDoor';
import { statusPath } from '../routes';

/**
 * The absolute status URL of a request: PUBLIC_BASE_URL (behind a gateway) or the request's own origin. A
 * function key sent as `code` is carried over, as Durable Functions does, because Logic Apps polls the
 * Location without the original request's query string.
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
    const base = config.http.publicBaseUrl ?? new URL(request.url).origin;
    const url = new URL(`${base}${statusPath(requestId)}`);
    if (targets !== null) url.searchParams.set('targets', targets.join(','));
    const code = request.query.get('code');
    if (code !== null) url.searchParams.set('code', code);
    return url.toString();
}
