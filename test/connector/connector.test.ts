import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';

import {
    CONNECTOR_CONTENT_TYPE,
    CONNECTOR_SECURITY_SCHEME,
    DROPPED_CONTENT_TYPES_KEY,
    isObject,
    type Json,
    type JsonObject,
    readOpenApi,
    renderSwagger,
    SWAGGER_PATH,
    toSwagger,
} from '../../scripts/openapi-to-swagger';

const root = join(__dirname, '..', '..');
const readJson = (path: string): Json => JSON.parse(readFileSync(join(root, path), 'utf8')) as Json;
const REGENERATE = 'run `npm run connector` and commit connector/apiDefinition.swagger.json';

function at(value: Json | undefined, ...path: (string | number)[]): Json | undefined {
    let current: Json | undefined = value;
    for (const key of path) {
        if (typeof key === 'number') current = Array.isArray(current) ? (current as Json[])[key] : undefined;
        else current = isObject(current) ? current[key] : undefined;
    }
    return current;
}
const objectAt = (value: Json | undefined, ...path: (string | number)[]): JsonObject => {
    const found = at(value, ...path);
    if (!isObject(found)) throw new Error(`no object at ${path.join('.')}`);
    return found;
};
const textAt = (value: Json | undefined, ...path: (string | number)[]): string => {
    const found = at(value, ...path);
    return typeof found === 'string' ? found : JSON.stringify(found ?? null);
};
const arrayAt = (value: Json | undefined, ...path: (string | number)[]): readonly Json[] => {
    const found = at(value, ...path);
    return Array.isArray(found) ? (found as readonly Json[]) : [];
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch']);
function operations(document: Json): { key: string; path: string; method: string; operation: JsonObject }[] {
    return Object.entries(objectAt(document, 'paths')).flatMap(([path, item]) =>
        Object.entries(objectAt(item))
            .filter(([method]) => METHODS.has(method))
            .map(([method, operation]) => ({
                key: `${method.toUpperCase()} ${path}`,
                path,
                method,
                operation: objectAt(operation),
            })),
    );
}
const parameterKeys = (operation: JsonObject) =>
    arrayAt(operation, 'parameters')
        .filter((p) => at(p, 'in') !== 'body')
        .map((p) => `${textAt(p, 'in')}:${textAt(p, 'name')}:${at(p, 'required') === true}`)
        .sort();

const headerNames = (operation: JsonObject, code: string): string[] => {
    const headers = at(operation, 'responses', code, 'headers');
    return isObject(headers) ? Object.keys(headers).sort() : [];
};

const openapi = readOpenApi();
const committed = readJson('connector/apiDefinition.swagger.json');

describe('connector/apiDefinition.swagger.json (Power Platform custom connector)', () => {
    it(`is exactly what scripts/openapi-to-swagger.ts makes of openapi/openapi.json (${REGENERATE})`, async () => {
        expect(readFileSync(SWAGGER_PATH, 'utf8')).toBe(await renderSwagger(openapi));
    });

    it('is a valid Swagger 2.0 document (@readme/openapi-parser)', async () => {
        const result = await validate(structuredClone(committed) as Parameters<typeof validate>[0]);
        expect(result.valid ? [] : result.errors).toEqual([]);
        expect(result.specification).toBe('Swagger');
        expect(at(committed, 'swagger')).toBe('2.0');
    });

    it('the validator really checks 2.0: the 3.0 keywords the generator maps away are refused when left in', async () => {
        const withNullable = structuredClone(committed) as Record<string, Json>;
        const jobName = objectAt(withNullable, 'definitions', 'Run', 'properties', 'jobName') as Record<string, Json>;
        jobName.nullable = true;
        const result = await validate(withNullable as unknown as Parameters<typeof validate>[0]);
        expect(result.valid).toBe(false);
    });

    it('matches the 3.0 document operation for operation: paths, methods, operationIds, parameters, response codes', () => {
        const source = operations(openapi);
        const target = operations(committed);
        expect(target.map((o) => o.key)).toEqual(source.map((o) => o.key));
        expect(source.length).toBeGreaterThanOrEqual(4);
        for (const { key, operation } of source) {
            const converted = target.find((o) => o.key === key)?.operation;
            if (converted === undefined) throw new Error(`missing ${key}`);
            expect(converted.operationId, key).toBe(operation.operationId);
            expect(parameterKeys(converted), key).toEqual(parameterKeys(operation));
            expect(Object.keys(objectAt(converted, 'responses')), key).toEqual(
                Object.keys(objectAt(operation, 'responses')),
            );
            for (const code of Object.keys(objectAt(operation, 'responses'))) {
                expect(headerNames(converted, code), `${key} ${code}`).toEqual(headerNames(operation, code));
            }
            const body = arrayAt(converted, 'parameters').filter((p) => at(p, 'in') === 'body');
            if (operation.requestBody === undefined) {
                expect(body, key).toEqual([]);
                continue;
            }
            // The body: the application/json schema, and the other media types named as deliberately dropped.
            expect(body, key).toHaveLength(1);
            expect(at(body[0], 'required'), key).toBe(at(operation, 'requestBody', 'required') === true);
            const content = objectAt(operation, 'requestBody', 'content');
            expect(at(body[0], 'schema', '$ref')).toBe(
                textAt(content, CONNECTOR_CONTENT_TYPE, 'schema', '$ref').replace('components/schemas', 'definitions'),
            );
            expect(
                [...arrayAt(converted, 'consumes'), ...arrayAt(converted, DROPPED_CONTENT_TYPES_KEY)].sort(),
            ).toEqual(Object.keys(content).sort());
        }
    });

    it('has the same schemas, and carries x-ms-summary / x-ms-visibility wherever the 3.0 document has them', () => {
        const schemas = objectAt(openapi, 'components', 'schemas');
        const definitions = objectAt(committed, 'definitions');
        expect(Object.keys(definitions)).toEqual([...Object.keys(schemas), 'SubmitResult']);
        let carried = 0;
        const walk = (source: Json | undefined, target: Json | undefined, where: string): void => {
            if (!isObject(source)) return;
            for (const extension of ['x-ms-summary', 'x-ms-visibility', 'x-ms-url-encoding']) {
                if (source[extension] !== undefined) {
                    expect(at(target, extension), `${where} ${extension}`).toBe(source[extension]);
                    carried++;
                }
            }
            for (const [name, property] of Object.entries(isObject(source.properties) ? source.properties : {})) {
                walk(property, at(target, 'properties', name), `${where}.${name}`);
            }
        };
        for (const [name, schema] of Object.entries(schemas)) walk(schema, definitions[name], name);
        const target = operations(committed);
        for (const { key, operation } of operations(openapi)) {
            const converted = target.find((o) => o.key === key)?.operation;
            expect(at(converted, 'x-ms-visibility'), key).toBe(operation['x-ms-visibility']);
            for (const parameter of arrayAt(operation, 'parameters')) {
                const match = arrayAt(converted, 'parameters').find((p) => at(p, 'name') === at(parameter, 'name'));
                walk(parameter, match, `${key} ${textAt(parameter, 'name')}`);
                expect(at(match, 'x-ms-summary'), `${key} parameter summary`).toEqual(expect.any(String));
            }
        }
        expect(carried).toBeGreaterThan(20);
    });

    it('uses the function key header, one of the 3.0 security alternatives, as its only scheme', () => {
        const alternatives = arrayAt(openapi, 'security').map((r) => Object.keys(objectAt(r)));
        const security = arrayAt(committed, 'security').map((r) => Object.keys(objectAt(r)));
        expect(security).toEqual([[CONNECTOR_SECURITY_SCHEME]]);
        expect(alternatives).toContainEqual([CONNECTOR_SECURITY_SCHEME]);
        const scheme = objectAt(openapi, 'components', 'securitySchemes', CONNECTOR_SECURITY_SCHEME);
        expect(objectAt(committed, 'securityDefinitions', CONNECTOR_SECURITY_SCHEME)).toMatchObject({
            type: 'apiKey',
            in: scheme.in,
            name: 'x-functions-key',
        });
        expect(Object.keys(objectAt(committed, 'securityDefinitions'))).toEqual([CONNECTOR_SECURITY_SCHEME]);
    });

    it('carries the Power Platform specifics: host, basePath, https, and the asynchronous pattern (202 + Location + Retry-After)', () => {
        expect(at(committed, 'basePath')).toBe(at(openapi, 'servers', 0, 'url'));
        expect(at(committed, 'schemes')).toEqual(['https']);
        expect(at(committed, 'host')).toMatch(/^[a-z0-9.-]+$/);
        const post = objectAt(committed, 'paths', '/sync/requests', 'post');
        expect(objectAt(post, 'responses', '202', 'headers', 'Location')).toMatchObject({
            type: 'string',
            format: 'uri',
        });
        expect(objectAt(post, 'responses', '202', 'headers', 'Retry-After')).toMatchObject({ type: 'integer' });
        expect(at(post, 'responses', '200', 'schema', '$ref')).toBe('#/definitions/SubmitResult');
        // The action's outputs after polling are the final status: every RequestStatus field, plus the handshake.
        const result = Object.keys(objectAt(committed, 'definitions', 'SubmitResult', 'properties'));
        expect(result).toEqual([
            ...Object.keys(objectAt(committed, 'definitions', 'RequestStatus', 'properties')),
            'validationResponse',
        ]);
        expect(
            at(committed, 'paths', '/sync/requests/{requestId}', 'get', 'responses', '202', 'headers'),
        ).toMatchObject({
            Location: { type: 'string' },
            'Retry-After': { type: 'integer' },
        });
    });

    it('a copy for one Function App (--host) differs from the committed file in the host only', () => {
        const copy = toSwagger(openapi, 'func-sync-abc123.westeurope-01.azurewebsites.net');
        expect(copy.host).toBe('func-sync-abc123.westeurope-01.azurewebsites.net');
        expect({ ...copy, host: at(committed, 'host') }).toEqual(committed);
    });

    it('maps nullable to x-nullable and nothing 3.0-only survives anywhere', () => {
        expect(objectAt(committed, 'definitions', 'Run', 'properties', 'jobName')).toEqual({
            type: 'string',
            'x-nullable': true,
        });
        const text = JSON.stringify(committed);
        for (const keyword of ['"nullable"', '"oneOf"', '"anyOf"', '"requestBody"', '"components"', '"content"']) {
            expect(text, keyword).not.toContain(keyword);
        }
    });
});

describe('openapi-to-swagger: mapping of 3.0 features 2.0 lacks', () => {
    const base = (schemas: Record<string, Json>): Json => ({
        openapi: '3.0.3',
        info: { title: 't', version: '1', description: 'd' },
        servers: [{ url: '/api' }],
        security: [{ functionKeyHeader: [] }],
        paths: {},
        components: {
            securitySchemes: { functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key' } },
            schemas: { RequestStatus: { type: 'object', properties: {} }, ...schemas },
        },
    });

    it('merges oneOf alternatives into one object with the union of their properties, none required', () => {
        const swagger = toSwagger(
            base({
                Either: {
                    description: 'A or B.',
                    oneOf: [
                        { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
                        { type: 'object', properties: { b: { type: 'integer', nullable: true } } },
                    ],
                },
            }),
        );
        expect(objectAt(swagger, 'definitions', 'Either')).toEqual({
            type: 'object',
            description: 'A or B. One of: alternative 1, alternative 2.',
            properties: { a: { type: 'string' }, b: { type: 'integer', 'x-nullable': true } },
        });
    });

    it('refuses 3.0 keywords without a deliberate mapping instead of dropping them silently', () => {
        expect(() => toSwagger(base({ Bad: { not: { type: 'string' } } }))).toThrow(/"not" has no OpenAPI 2.0 mapping/);
        expect(() => toSwagger(base({ Bad: { type: 'string', writeOnly: true } }))).toThrow(/writeOnly/);
    });
});

describe('connector/apiProperties.json', () => {
    const properties = readJson('connector/apiProperties.json');

    it('has the shape paconn reads: properties with iconBrandColor, capabilities, connectionParameters only', () => {
        expect(Object.keys(objectAt(properties))).toEqual(['properties']);
        const inner = objectAt(properties, 'properties');
        for (const key of Object.keys(inner)) {
            expect(['iconBrandColor', 'capabilities', 'connectionParameters', 'policyTemplateInstances']).toContain(
                key,
            );
        }
        expect(inner.iconBrandColor).toMatch(/^#[0-9a-f]{6}$/i);
    });

    it('asks for the function key as a secure string, the api_key parameter an apiKey security definition uses', () => {
        const parameters = objectAt(properties, 'properties', 'connectionParameters');
        expect(Object.keys(parameters)).toEqual(['api_key']);
        expect(objectAt(parameters, 'api_key')).toMatchObject({
            type: 'securestring',
            uiDefinition: {
                displayName: expect.stringMatching(/function key/i),
                constraints: { required: 'true', clearText: false },
            },
        });
        expect(at(committed, 'securityDefinitions', CONNECTOR_SECURITY_SCHEME, 'type')).toBe('apiKey');
    });
});

describe('connector/sample-workflow.json (Logic Apps workflow definition)', () => {
    const workflow = readJson('connector/sample-workflow.json');
    const actions = objectAt(workflow, 'actions');

    it('is structurally a workflow definition: $schema, contentVersion, triggers, actions', () => {
        expect(at(workflow, '$schema')).toBe(
            'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#',
        );
        expect(at(workflow, 'contentVersion')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(Object.keys(objectAt(workflow, 'triggers'))).toHaveLength(1);
        for (const [name, action] of Object.entries(actions)) {
            expect(typeof at(action, 'type'), name).toBe('string');
            expect(isObject(at(action, 'runAfter')), `${name} runAfter`).toBe(true);
        }
    });

    it('runAfter names existing actions with valid statuses, and every expression refers to what exists', () => {
        const names = new Set(Object.keys(actions));
        for (const [name, action] of Object.entries(actions)) {
            for (const [previous, statuses] of Object.entries(objectAt(action, 'runAfter'))) {
                expect(names.has(previous), `${name} runs after ${previous}`).toBe(true);
                for (const status of arrayAt(statuses)) {
                    expect(['Succeeded', 'Failed', 'Skipped', 'TimedOut']).toContain(status);
                }
            }
        }
        const text = JSON.stringify(workflow);
        const declared = new Set(Object.keys(objectAt(workflow, 'parameters')));
        const references = [...text.matchAll(/(body|outputs|actions|parameters)\('([^']+)'\)/g)];
        expect(references.length).toBeGreaterThan(5);
        for (const [, kind, name] of references) {
            expect(kind === 'parameters' ? declared.has(name ?? '') : names.has(name ?? ''), `${kind}('${name}')`).toBe(
                true,
            );
        }
    });

    it('posts a joiner to /api/sync/requests with the asynchronous pattern on, and uses the final result', () => {
        const http = Object.values(actions).find((a) => at(a, 'type') === 'Http');
        expect(at(http, 'inputs', 'method')).toBe('POST');
        expect(at(http, 'inputs', 'uri')).toMatch(/\/api\/sync\/requests\?code=/);
        expect(at(http, 'inputs', 'body', 'changes', 0, 'kind')).toBe('joiner');
        // The HTTP action follows 202 + Location unless DisableAsyncPattern is set.
        expect(textAt(http, 'operationOptions')).not.toMatch(/DisableAsyncPattern/i);
        const [httpName] = Object.entries(actions).find(([, a]) => a === http) ?? [];
        const after = Object.values(actions).filter((a) => Array.isArray(at(a, 'runAfter', httpName ?? '')));
        expect(
            after
                .map((a) => arrayAt(a, 'runAfter', httpName ?? ''))
                .flat()
                .sort(),
        ).toEqual(['Failed', 'Succeeded', 'TimedOut']);
        expect(JSON.stringify(after)).toContain(`body('${httpName}')?['state']`);
    });
});
