import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';

import { respondWithStatus } from '../../src/transports/http/statusHandler';
import { daySource, hostileSource, responseText, statusRequest } from './statusFixtures';

interface OpenApiDocument {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, unknown> };
}

const document = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8'),
) as OpenApiDocument;

/**
 * OpenAPI 3.0's `nullable` in JSON Schema terms: `type: [t, 'null']`, or for `allOf: [$ref]` (a nullable reference)
 * `anyOf: [$ref, null]`.
 */
function jsonSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(jsonSchema);
    if (typeof node !== 'object' || node === null) return node;
    const { nullable, ...rest } = node as Record<string, unknown>;
    const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, jsonSchema(v)]));
    if (nullable !== true) return converted;
    if (typeof converted.type === 'string') return { ...converted, type: [converted.type, 'null'] };
    const { allOf, ...others } = converted;
    return { ...others, anyOf: [...(Array.isArray(allOf) ? allOf : []), { type: 'null' }] };
}

/** `StatusOverview` with every component schema reachable under `#/components/schemas/…`, as ajv resolves it. */
function overviewValidator() {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ components: jsonSchema(document.components) }, 'openapi');
    return ajv.compile({ $ref: 'openapi#/components/schemas/StatusOverview' });
}

describe('GET /api/status in openapi/openapi.json', () => {
    it('is documented as a read with JSON and the HTML page', () => {
        expect(document.paths['/status']?.get).toMatchObject({
            operationId: 'GetSyncStatusOverview',
            responses: { 200: { content: { 'application/json': {}, 'text/html': {} } } },
        });
    });

    it.each([
        ['a day of runs with portal links', () => daySource()],
        ['a day of runs without links', () => daySource(null)],
        ['hostile strings, windows, stuck runs and empty targets', () => hostileSource()],
    ])('describes the answer the handler gives: %s', async (_name, source) => {
        const validate = overviewValidator();
        const response = await respondWithStatus(statusRequest('http://x/api/status'), source());
        const body: unknown = JSON.parse(responseText(response));
        expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    });

    it('catches an answer that does not match (the check can fail)', () => {
        const validate = overviewValidator();
        expect(validate({ generatedAt: 'x', workbookUrl: null, targets: [{ targetId: 'a', health: 'fine' }] })).toBe(
            false,
        );
    });
});
