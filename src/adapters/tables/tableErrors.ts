import { z } from 'zod';

import { ConcurrencyConflictError, PermanentDependencyError, TransientDependencyError } from '../../errors';

/** The parts of a `RestError` from `@azure/data-tables` we act on; the storage code sits in `details.odataError`. */
const storageErrorShape = z.object({
    statusCode: z.number().optional(),
    code: z.string().optional(),
    details: z.object({ odataError: z.object({ code: z.string() }).optional() }).optional(),
});

/** A storage failure reduced to what decides its handling. */
interface StorageFailure {
    readonly statusCode: number | undefined;
    /** The Table service code (`EntityAlreadyExists`, `UpdateConditionNotSatisfied`, …) or the network code. */
    readonly code: string | undefined;
}

/**
 * Reads status and code from anything a TableClient call threw.
 * @param e - the caught value
 */
function describeStorageFailure(e: unknown): StorageFailure {
    const parsed = storageErrorShape.safeParse(e);
    if (!parsed.success) return { statusCode: undefined, code: undefined };
    return {
        statusCode: parsed.data.statusCode,
        code: parsed.data.details?.odataError?.code ?? parsed.data.code,
    };
}

export function isEntityAlreadyExists(e: unknown): boolean {
    const f = describeStorageFailure(e);
    return f.statusCode === 409 && (f.code === undefined || f.code === 'EntityAlreadyExists');
}

export function isUpdateConditionNotSatisfied(e: unknown): boolean {
    return describeStorageFailure(e).statusCode === 412;
}

/** The entity is missing. A missing *table* is not "no entity": it is a deployment fault and must surface. */
export function isNotFound(e: unknown): boolean {
    const f = describeStorageFailure(e);
    return f.statusCode === 404 && f.code !== 'TableNotFound';
}

/**
 * Maps a storage failure to the service's typed errors: throttling, timeouts, 5xx and network failures may pass;
 * the remaining 4xx (auth, bad request, missing table) will not. Already-typed errors pass through.
 * @param e - the caught value
 * @param operation - what was attempted, for the message (no keys or payloads)
 */
export function toDependencyError(
    e: unknown,
    operation: string,
): TransientDependencyError | PermanentDependencyError | ConcurrencyConflictError {
    if (
        e instanceof TransientDependencyError ||
        e instanceof PermanentDependencyError ||
        e instanceof ConcurrencyConflictError
    ) {
        return e;
    }
    const { statusCode, code } = describeStorageFailure(e);
    const detail = `${operation} failed (${statusCode ?? 'no status'}${code === undefined ? '' : ` ${code}`})`;
    if (statusCode === undefined || statusCode === 408 || statusCode === 429 || statusCode >= 500) {
        return new TransientDependencyError(`Table storage: ${detail}`, statusCode, { cause: e });
    }
    return new PermanentDependencyError(`Table storage: ${detail}`, statusCode, { cause: e });
}
