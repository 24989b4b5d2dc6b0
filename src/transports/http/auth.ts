import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';

import type { SyncPolicy } from '../../domain/policy';
import { problemResponse, type Refusal, refuse } from '../formats/problem';
import type { HttpOptions } from '../frontDoor';

/** App Service Authentication's client principal header (base64 JSON), set by the platform, never by callers. */
const CLIENT_PRINCIPAL_HEADER = 'x-ms-client-principal';

const principalSchema = z.object({
    auth_typ: z.string().optional(),
    role_typ: z.string().optional(),
    claims: z.array(z.object({ typ: z.string(), val: z.string() })).max(500),
});

/** The roles of the caller, as App Service Authentication forwarded them. */
interface Principal {
    readonly roles: ReadonlySet<string>;
}

/** The settings the authorization checks need; the front door's settings satisfy it. */
export interface AuthConfig {
    readonly http: HttpOptions;
}

/**
 * Decodes the client principal header; null when absent or unreadable.
 * @param header - the header value
 */
function decodePrincipal(header: string | null): Principal | null {
    if (header === null || header.length === 0 || header.length > 16_384) return null;
    let decoded: unknown;
    try {
        decoded = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    } catch {
        return null;
    }
    const parsed = principalSchema.safeParse(decoded);
    if (!parsed.success) return null;
    const roleTypes = new Set(['roles', parsed.data.role_typ ?? 'roles']);
    return { roles: new Set(parsed.data.claims.filter((c) => roleTypes.has(c.typ)).map((c) => c.val)) };
}

function requireRoles(request: HttpRequest, config: AuthConfig, roles: readonly string[]): Refusal | null {
    if (config.http.authMode !== 'appRoles') return null;
    const principal = decodePrincipal(request.headers.get(CLIENT_PRINCIPAL_HEADER));
    if (principal === null) {
        return refuse('UNAUTHENTICATED', 'Sign in with Microsoft Entra ID; no client principal was forwarded.', {
            errors: [{ pointer: `/headers/${CLIENT_PRINCIPAL_HEADER}`, detail: 'missing or unreadable' }],
        });
    }
    const missing = roles.filter((r) => !principal.roles.has(r));
    if (missing.length > 0) {
        return refuse('FORBIDDEN', `The caller needs the app role(s): ${missing.join(', ')}.`, {
            requiredRoles: missing,
        });
    }
    return null;
}

/**
 * Checks that the caller is signed in at all (app roles mode), before the body is read.
 * @param request - the request
 * @param config - auth settings
 */
export function authenticate(request: HttpRequest, config: AuthConfig): Refusal | null {
    return requireRoles(request, config, []);
}

/**
 * Checks the roles needed to submit changes with these policies: Delta needs AUTH_ROLE_DELTA, Initial needs
 * AUTH_ROLE_INITIAL. With function keys the host has already checked the key.
 * @param request - the request
 * @param config - auth settings
 * @param policies - the policies the request asks for
 */
export function authorizeWrite(
    request: HttpRequest,
    config: AuthConfig,
    policies: ReadonlySet<SyncPolicy>,
): Refusal | null {
    const roles = new Set<string>();
    if (policies.has('Initial')) roles.add(config.http.roles.initial);
    if (policies.has('Delta') || policies.size === 0) roles.add(config.http.roles.delta);
    return requireRoles(request, config, [...roles]);
}

/**
 * Authorizes a read endpoint (request status, status page): AUTH_ROLE_READ in app roles mode.
 * @param request - the request
 * @param config - auth settings
 * @returns null when allowed, else the problem response to send
 */
export function authorizeRead(request: HttpRequest, config: AuthConfig): HttpResponseInit | null {
    const refusal = requireRoles(request, config, [config.http.roles.read]);
    return refusal === null ? null : problemResponse(refusal.refused, refusal.headers);
}
