import type { z } from 'zod';

import type { FieldError } from './problem';

/**
 * A JSON pointer (RFC 6901) for a zod issue path under a prefix.
 * @param prefix - pointer of the parsed value inside the body
 * @param path - the issue path
 */
export function pointerOf(prefix: string, path: readonly PropertyKey[]): string {
    const escaped = path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1'));
    return [prefix, ...escaped].join('/');
}

/**
 * Field errors for a failed parse; unknown keys are reported one per key, so each pointer names a real field.
 * @param error - the zod error
 * @param prefix - pointer of the parsed value inside the body
 */
export function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
    const errors: FieldError[] = [];
    for (const issue of error.issues) {
        if (issue.code === 'unrecognized_keys') {
            for (const key of issue.keys) {
                errors.push({ pointer: pointerOf(prefix, [...issue.path, key]), detail: 'is not a known field' });
            }
        } else {
            errors.push({ pointer: pointerOf(prefix, issue.path), detail: issue.message });
        }
    }
    return errors.slice(0, 50);
}
