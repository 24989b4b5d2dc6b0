import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';

import { type CallerScope, sha256Hex } from '../../app/idempotency';
import type { SyncPolicy } from '../../domain/policy';
import { isRefusal, problemResponse, type Refusal, refuse } from '../formats/problem';
import type { HttpOptions } from '../frontDoor';
import { fullSyncPath } from '../routes';

/** App Service Authentication's client principal header (base64 JSON), set by the platform, never by callers. */
const CLIENT_PRINCIPAL_HEADER = 'x-ms-client-principal';

const principalSchema = z.object({
    auth_typ: z.string().optional(),
    role_typ: z.string().optional(),
    claims: z.array(z.object({ typ: z.string(), val: z.string() })).max(500),
});

/** App Service Authentication's object id header (the principal's Entra object id), set alongside the principal. */
const CLIENT_PRINCIPAL_ID_HEADER = 'x-ms-client-principal-id';

/** Claim types of the Entra object id, as Easy Auth forwards it (long form) or as a v2 token names it. */
const OBJECT_ID_CLAIMS = new Set(['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid']);

/** Entra object ids are GUIDs; anything else is not an identity this app scopes keys by. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller, as App Service Authentication forwarded it: its Entra object id and its app roles. */
interface Principal {
    readonly objectId: string | null;
    readonly roles: ReadonlySet<string>;
}

/** An authenticated caller of a POST: whose idempotency keys it uses, and its roles (app roles mode only). */
export interface Caller {
    readonly scope: CallerScope;
    /** The caller's app roles; null in function keys mode, where the host checked the key and there are none. */
    readonly roles: ReadonlySet<string> | null;
}

/**
 * A POST function: its name (part of the caller's scope) and whether it grants Initial in function keys mode.
 * The full-sync function is registered on its own route so that it has its own function keys: holding the key of
 * the changes function grants Delta only (threat model T11).
 */
export interface PostEntry {
    readonly functionName: string;
    readonly grantsInitialWithFunctionKeys: boolean;
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
    const objectId = parsed.data.claims.find((c) => OBJECT_ID_CLAIMS.has(c.typ))?.val ?? null;
    return {
        objectId: objectId !== null && OBJECT_ID.test(objectId) ? objectId.toLowerCase() : null,
        roles: new Set(parsed.data.claims.filter((c) => roleTypes.has(c.typ)).map((c) => c.val)),
    };
}

const unauthenticated = (
    detail: string,
    message = 'Sign in with Microsoft Entra ID; no client principal was forwarded.',
): Refusal =>
    refuse('UNAUTHENTICATED', message, {
        errors: [{ pointer: `/headers/${CLIENT_PRINCIPAL_HEADER}`, detail }],
    });

/** The principal App Service Authentication forwarded, or the refusal when there is none (app roles mode). */
function principalOf(request: HttpRequest): Principal | Refusal {
    const principal = decodePrincipal(request.headers.get(CLIENT_PRINCIPAL_HEADER));
    if (principal === null) return unauthenticated('missing or unreadable');
    return principal;
}

function missingRoles(roles: ReadonlySet<string>, required: readonly string[]): Refusal | null {
    const missing = required.filter((r) => !roles.has(r));
    if (missing.length === 0) return null;
    return refuse('FORBIDDEN', `The caller needs the app role(s): ${missing.join(', ')}.`, { requiredRoles: missing });
}

/**
 * The scope of a caller with function keys: the function called and the key presented, hashed. The host passes
 * the app neither the key's name nor its kind (function or host key), so the key itself is the only identity;
 * null when none was sent (a host that checks no keys).
 * @param entry - the function called
 * @param key - the key, as the host reads it
 */
export function functionKeyScope(entry: PostEntry, key: string | null): CallerScope {
    return {
        kind: 'functionKey',
        functionName: entry.functionName,
        keyHash: key === null || key === '' ? null : sha256Hex(`function-key\n${key}`),
    };
}

/**
 * Who is calling a POST, before the body is read: in app roles mode the signed-in principal (401 without one, or
 * without an Entra object id to scope its keys by); with function keys the function and the key presented.
 * @param request - the request
 * @param config - auth settings
 * @param entry - the function being called
 */
export function authenticate(request: HttpRequest, config: AuthConfig, entry: PostEntry): Caller | Refusal {
    if (config.http.authMode !== 'appRoles') {
        // The key the host checked, read as the host reads it: the header first, else `code`.
        const key = request.headers.get('x-functions-key') ?? request.query.get('code');
        return { scope: functionKeyScope(entry, key), roles: null };
    }
    const principal = principalOf(request);
    if (isRefusal(principal)) return principal;
    // Easy Auth sends the object id in its own header too; the claim is preferred, the header is the fallback.
    const headerId = request.headers.get(CLIENT_PRINCIPAL_ID_HEADER);
    const objectId =
        principal.objectId ?? (headerId !== null && OBJECT_ID.test(headerId) ? headerId.toLowerCase() : null);
    if (objectId === null) {
        return unauthenticated(
            'carries no Entra object id',
            'The signed-in principal has no Entra object id, which requests and idempotency keys are scoped to.',
        );
    }
    return { scope: { kind: 'principal', objectId }, roles: principal.roles };
}

/**
 * Checks the grant needed to submit changes with these policies. App roles: Delta needs AUTH_ROLE_DELTA, Initial
 * needs AUTH_ROLE_INITIAL, on any route. Function keys (the host has checked the key): Initial only on the
 * full-sync function, whose keys are its own (INITIAL_NOT_GRANTED elsewhere).
 * @param caller - the authenticated caller
 * @param config - auth settings
 * @param policies - the policies the request asks for
 * @param entry - the function being called
 */
export function authorizeWrite(
    caller: Caller,
    config: AuthConfig,
    policies: ReadonlySet<SyncPolicy>,
    entry: PostEntry,
): Refusal | null {
    if (caller.roles === null) {
        if (!policies.has('Initial') || entry.grantsInitialWithFunctionKeys) return null;
        return refuse(
            'INITIAL_NOT_GRANTED',
            `An Initial (full) sync needs the full-sync endpoint POST ${fullSyncPath()} and a function key of that function; this endpoint accepts Delta only.`,
            { errors: [{ pointer: '/policy', detail: 'Initial is not granted on this endpoint' }] },
        );
    }
    const roles = new Set<string>();
    if (policies.has('Initial')) roles.add(config.http.roles.initial);
    if (policies.has('Delta') || policies.size === 0) roles.add(config.http.roles.delta);
    return missingRoles(caller.roles, [...roles]);
}

/**
 * Authorizes a read endpoint (request status, status page): AUTH_ROLE_READ in app roles mode.
 * @param request - the request
 * @param config - auth settings
 * @returns null when allowed, else the problem response to send
 */
export function authorizeRead(request: HttpRequest, config: AuthConfig): HttpResponseInit | null {
    if (config.http.authMode !== 'appRoles') return null;
    const principal = principalOf(request);
    const refusal = isRefusal(principal) ? principal : missingRoles(principal.roles, [config.http.roles.read]);
    return refusal === null ? null : problemResponse(refusal.refused, refusal.headers);
}
