/** Stable codes of the technical failures this service throws. */
type ErrorCode =
    'CONFIG_INVALID' | 'ETAG_CONFLICT' | 'DEPENDENCY_TRANSIENT' | 'DEPENDENCY_PERMANENT' | 'UNKNOWN_TARGET';

/** Base of every typed error; `code` is stable and safe to show. */
abstract class SyncTriggerError extends Error {
    abstract readonly code: ErrorCode;
    constructor(message: string, options?: ErrorOptions) {
        super(message, options);
        this.name = new.target.name;
        Object.setPrototypeOf(this, new.target.prototype);
    }
}

/** A setting is missing or invalid; `setting` names it. */
export class ConfigError extends SyncTriggerError {
    readonly code = 'CONFIG_INVALID';
    constructor(
        readonly setting: string,
        message: string,
    ) {
        super(`Invalid setting ${setting}: ${message}`);
    }
}

/** Someone else saved the entity since we loaded it (HTTP 412 / 409 on create). */
export class ConcurrencyConflictError extends SyncTriggerError {
    readonly code = 'ETAG_CONFLICT';
}

/** A dependency failed in a way that may pass: throttling, 5xx, timeouts, network. */
export class TransientDependencyError extends SyncTriggerError {
    readonly code = 'DEPENDENCY_TRANSIENT';
    constructor(
        message: string,
        readonly statusCode?: number,
        options?: ErrorOptions,
    ) {
        super(message, options);
    }
}

/** A dependency refused in a way retrying will not fix: auth, not found, bad request. */
export class PermanentDependencyError extends SyncTriggerError {
    readonly code = 'DEPENDENCY_PERMANENT';
    constructor(
        message: string,
        readonly statusCode?: number,
        options?: ErrorOptions,
    ) {
        super(message, options);
    }
}

/** An event or request names a target that is not configured. */
export class UnknownTargetError extends SyncTriggerError {
    readonly code = 'UNKNOWN_TARGET';
    constructor(readonly targetId: string) {
        super(`Unknown target "${targetId}"`);
    }
}

function hasCode(e: unknown, code: ErrorCode): boolean {
    return typeof e === 'object' && e !== null && 'code' in e && e.code === code;
}

export const isConfigError = (e: unknown): e is ConfigError => e instanceof ConfigError || hasCode(e, 'CONFIG_INVALID');
export const isConcurrencyConflict = (e: unknown): e is ConcurrencyConflictError =>
    e instanceof ConcurrencyConflictError || hasCode(e, 'ETAG_CONFLICT');
export const isTransientDependencyError = (e: unknown): e is TransientDependencyError =>
    e instanceof TransientDependencyError || hasCode(e, 'DEPENDENCY_TRANSIENT');
export const isPermanentDependencyError = (e: unknown): e is PermanentDependencyError =>
    e instanceof PermanentDependencyError || hasCode(e, 'DEPENDENCY_PERMANENT');

/**
 * The text of a caught failure that a status reader may see (a run's reason or last error): the message of one of
 * this service's typed errors, which are composed to be shown (the Automation adapter gives a code and a short
 * sentence), else only the error's kind: an untyped error's message may quote anything, such as a dependency's raw
 * answer naming its resources. Log the full error next to it.
 * @param e - the caught value
 */
export function readerReasonOf(e: unknown): string {
    if (e instanceof SyncTriggerError) return e.message;
    return `INTERNAL_ERROR: unexpected ${ensureError(e).name}; see the service logs`;
}

/**
 * Normalises anything caught into an Error, for logging.
 * @param e - the caught value
 */
export function ensureError(e: unknown): Error {
    if (e instanceof Error) return e;
    return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
