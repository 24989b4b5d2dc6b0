/**
 * Generates the Power Platform custom connector definition, `connector/apiDefinition.swagger.json` (OpenAPI 2.0,
 * the only version the custom connector import and `paconn` take), from the one API description we maintain,
 * `openapi/openapi.json` (OpenAPI 3.0). A test regenerates it in memory and compares it with the committed file,
 * so the two cannot drift.
 *
 *   npm run connector                               rewrites connector/apiDefinition.swagger.json
 *   npx tsx scripts/openapi-to-swagger.ts --check   exits 1 when the committed file is stale
 *   npx tsx scripts/openapi-to-swagger.ts --stdout  prints the document
 *   npx tsx scripts/openapi-to-swagger.ts --host <app host name> --out <file>
 *                                                   writes a copy for one Function App (what paconn imports)
 *
 * How 3.0 features that 2.0 lacks are mapped (deliberately; each choice is checked by test/connector/):
 *
 * - `servers[0].url` (`/api`) becomes `basePath`; `host` is a placeholder (CONNECTOR_HOST) that the author replaces
 *   with the Function App's host name at import (a Flex Consumption host name is not derivable from the app name);
 *   `schemes` is `https` only (the app is HTTPS-only).
 * - Several request content types with different schemas: 2.0 has one body schema per operation. The connector
 *   keeps `application/json` with its schema (NativeBatch: the shape a flow author fills in) and drops the
 *   CloudEvents media types: those are for event producers (Event Grid, webhooks), which call the API directly,
 *   never through a connector. The dropped types are listed in the operation's `x-entra-sync-dropped-content-types`
 *   (an `x-` extension, ignored by the import) so the test can check that nothing else was lost.
 * - Several response content types: the schema of the first one (JSON or problem+json) becomes the response
 *   schema; all of them are listed in `produces`.
 * - Two alternative API key schemes (header `x-functions-key` or query `code`): Power Platform custom connectors
 *   accept one API key definition, so the connector keeps the header scheme only (the connection parameter
 *   `api_key` fills it on every call, including the asynchronous polls).
 * - `nullable: true` becomes `x-nullable: true` (the 2.0 extension AutoRest and Microsoft's tooling read).
 * - `oneOf` / `anyOf` (none today): the alternatives are merged into one object schema whose properties are the
 *   union of theirs, none required, and the alternatives are named in the description; a flow designer can show
 *   no choice of shapes, so one permissive shape is the useful one. Other 3.0-only keywords (`not`, `writeOnly`,
 *   `deprecated`, `discriminator` objects, cookie parameters, links, callbacks) make the generator fail, so a
 *   future change is mapped on purpose instead of silently.
 * - Header and parameter `schema` objects are flattened into the 2.0 `type`/`format`/`pattern` fields.
 * - The asynchronous pattern: the POST's 202 keeps `Location` and `Retry-After`; with the action's asynchronous
 *   pattern on, Logic Apps and Power Automate poll Location and the action's outputs are the final status answer.
 *   So the POST's 200 schema is SubmitResult (RequestStatus plus `validationResponse`, the Event Grid handshake
 *   answer that is the only direct 200).
 * - `x-ms-summary`, `x-ms-visibility`, `x-ms-url-encoding` in the 3.0 document are carried over as they are;
 *   operations and parameters without `x-ms-summary` get one from `summary` / the name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { format, resolveConfig } from 'prettier';

const root = join(__dirname, '..');
export const OPENAPI_PATH = join(root, 'openapi', 'openapi.json');
export const SWAGGER_PATH = join(root, 'connector', 'apiDefinition.swagger.json');
/** Replaced by the author at import (docs/CONNECTOR.md). */
export const CONNECTOR_HOST = 'your-function-app.azurewebsites.net';
/** The 3.0 security scheme the connector keeps (see above). */
export const CONNECTOR_SECURITY_SCHEME = 'functionKeyHeader';
/** The 3.0 request content type whose schema becomes the connector's body. */
export const CONNECTOR_CONTENT_TYPE = 'application/json';
export const DROPPED_CONTENT_TYPES_KEY = 'x-entra-sync-dropped-content-types';

export type Json = null | boolean | number | string | readonly Json[] | JsonObject;
export interface JsonObject {
    readonly [key: string]: Json;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

export function isObject(value: Json | undefined): value is JsonObject {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: Json | undefined, where: string): JsonObject {
    if (!isObject(value)) throw new Error(`${where}: expected an object`);
    return value;
}

function str(value: Json | undefined, where: string): string {
    if (typeof value !== 'string') throw new Error(`${where}: expected a string`);
    return value;
}

function extensions(source: JsonObject): Record<string, Json> {
    return Object.fromEntries(Object.entries(source).filter(([key]) => key.startsWith('x-')));
}

/** Keywords that exist only in 3.0 and have no mapping: the generator refuses them. */
const UNMAPPED_SCHEMA_KEYWORDS = ['not', 'writeOnly', 'deprecated', 'discriminator'];

/** One 3.0 schema object → its 2.0 form. */
export function convertSchema(schema: Json | undefined, where: string): Json {
    const source = obj(schema, where);
    for (const keyword of UNMAPPED_SCHEMA_KEYWORDS) {
        if (keyword in source) throw new Error(`${where}: "${keyword}" has no OpenAPI 2.0 mapping; map it on purpose`);
    }
    const alternatives = source.oneOf ?? source.anyOf;
    if (alternatives !== undefined) return mergeAlternatives(source, alternatives, where);
    const out: Record<string, Json> = {};
    for (const [key, value] of Object.entries(source)) {
        if (key === '$ref') out.$ref = str(value, `${where}.$ref`).replace('#/components/schemas/', '#/definitions/');
        else if (key === 'nullable') {
            if (value === true) out['x-nullable'] = true;
        } else if (key === 'properties') {
            out.properties = Object.fromEntries(
                Object.entries(obj(value, `${where}.properties`)).map(([name, property]) => [
                    name,
                    convertSchema(property, `${where}.properties.${name}`),
                ]),
            );
        } else if (key === 'items' || (key === 'additionalProperties' && isObject(value))) {
            out[key] = convertSchema(value, `${where}.${key}`);
        } else if (key === 'allOf') {
            if (!Array.isArray(value)) throw new Error(`${where}.allOf: expected an array`);
            out.allOf = value.map((part, i) => convertSchema(part, `${where}.allOf[${i}]`));
        } else if (key === 'example' || key === 'examples') {
            // 2.0 schemas take one `example`; the 3.0 document keeps its examples on media types, not here.
            if (key === 'example') out.example = value;
        } else out[key] = value;
    }
    return out;
}

function mergeAlternatives(source: JsonObject, alternatives: Json, where: string): Json {
    if (!Array.isArray(alternatives)) throw new Error(`${where}: oneOf/anyOf must be an array`);
    const names: string[] = [];
    const properties: Record<string, Json> = {};
    alternatives.forEach((alternative, i) => {
        const part = obj(alternative, `${where}.oneOf[${i}]`);
        const ref = part.$ref;
        names.push(typeof ref === 'string' ? (ref.split('/').pop() ?? ref) : `alternative ${i + 1}`);
        const converted = obj(convertSchema(part, `${where}.oneOf[${i}]`), where);
        // A $ref alternative contributes nothing inline; its properties stay documented under definitions.
        for (const [name, property] of Object.entries(isObject(converted.properties) ? converted.properties : {})) {
            properties[name] = property;
        }
    });
    const description = typeof source.description === 'string' ? `${source.description} ` : '';
    return {
        type: 'object',
        description: `${description}One of: ${names.join(', ')}.`,
        properties,
        ...extensions(source),
    };
}

/** A 3.0 parameter or header `schema` flattened into 2.0 fields. */
function flattenSchema(schema: Json | undefined, where: string): Record<string, Json> {
    const source = obj(schema, where);
    const out: Record<string, Json> = {};
    for (const key of ['type', 'format', 'pattern', 'enum', 'default', 'maxLength', 'minLength', 'items']) {
        const value = source[key];
        if (value !== undefined) out[key] = value;
    }
    if (out.type === undefined) throw new Error(`${where}: a parameter or header schema needs a type in 2.0`);
    return out;
}

function convertParameter(parameter: Json, where: string): Json {
    const source = obj(parameter, where);
    const name = str(source.name, `${where}.name`);
    const location = str(source.in, `${where}.in`);
    if (location === 'cookie') throw new Error(`${where}: cookie parameters do not exist in 2.0`);
    const description = source.description;
    return {
        name,
        in: location,
        required: source.required === true,
        ...flattenSchema(source.schema, `${where}.schema`),
        ...(typeof description === 'string' ? { description } : {}),
        'x-ms-summary': typeof source['x-ms-summary'] === 'string' ? source['x-ms-summary'] : name,
        ...extensions(source),
    };
}

function convertHeaders(headers: Json | undefined, where: string): Record<string, Json> {
    if (headers === undefined) return {};
    return Object.fromEntries(
        Object.entries(obj(headers, where)).map(([name, header]) => {
            const source = obj(header, `${where}.${name}`);
            const description = source.description;
            return [
                name,
                {
                    ...flattenSchema(source.schema, `${where}.${name}.schema`),
                    ...(typeof description === 'string' ? { description } : {}),
                },
            ];
        }),
    );
}

/** The POST's 200 in the connector: what the action returns once its asynchronous pattern has polled to the end. */
const ASYNC_RESULT: JsonObject = {
    description:
        'The final status answer, reached by polling Location with the asynchronous pattern on (the cycle succeeded; state partiallySucceeded with export errors); or, without the asynchronous pattern, the Event Grid subscription validation answer.',
    schema: { $ref: '#/definitions/SubmitResult' },
};

interface ConvertedOperation {
    readonly operation: JsonObject;
    readonly produces: readonly string[];
}

function convertResponses(
    responses: JsonObject,
    where: string,
    override: (code: string) => JsonObject | undefined,
): { responses: Record<string, Json>; produces: string[] } {
    const produces: string[] = [];
    const out: Record<string, Json> = {};
    for (const [code, response] of Object.entries(responses)) {
        const source = obj(response, `${where}.${code}`);
        if ('links' in source) throw new Error(`${where}.${code}: links do not exist in 2.0`);
        const content = source.content === undefined ? {} : obj(source.content, `${where}.${code}.content`);
        const types = Object.keys(content);
        produces.push(...types);
        const first = types[0] === undefined ? undefined : obj(content[types[0]], `${where}.${code}.content`);
        const schema = first?.schema === undefined ? undefined : convertSchema(first.schema, `${where}.${code}`);
        const headers = convertHeaders(source.headers, `${where}.${code}.headers`);
        out[code] = {
            description: str(source.description, `${where}.${code}.description`),
            ...(schema === undefined ? {} : { schema }),
            ...override(code),
            ...(Object.keys(headers).length === 0 ? {} : { headers }),
        };
    }
    return { responses: out, produces };
}

function convertOperation(method: string, path: string, operation: JsonObject): ConvertedOperation {
    const where = `${method.toUpperCase()} ${path}`;
    if ('callbacks' in operation) throw new Error(`${where}: callbacks do not exist in 2.0`);
    const parameters = Array.isArray(operation.parameters)
        ? operation.parameters.map((p, i) => convertParameter(p, `${where}.parameters[${i}]`))
        : [];
    const extra: Record<string, Json> = {};
    const consumes: string[] = [];
    if (operation.requestBody !== undefined) {
        const body = obj(operation.requestBody, `${where}.requestBody`);
        const content = obj(body.content, `${where}.requestBody.content`);
        const kept = obj(content[CONNECTOR_CONTENT_TYPE], `${where}.requestBody.content.${CONNECTOR_CONTENT_TYPE}`);
        consumes.push(CONNECTOR_CONTENT_TYPE);
        parameters.push({
            name: 'body',
            in: 'body',
            required: body.required === true,
            schema: convertSchema(kept.schema, `${where}.requestBody`),
            'x-ms-summary': 'Request',
        });
        const dropped = Object.keys(content).filter((type) => type !== CONNECTOR_CONTENT_TYPE);
        if (dropped.length > 0) extra[DROPPED_CONTENT_TYPES_KEY] = dropped;
    }
    // The async pattern: the action's result is the final status answer, not the 202 (see the header comment).
    const asynchronous = method === 'post' && isObject(obj(operation.responses, where)['202']);
    const { responses, produces } = convertResponses(obj(operation.responses, `${where}.responses`), where, (code) =>
        asynchronous && code === '200' ? ASYNC_RESULT : undefined,
    );
    const summary = str(operation.summary, `${where}.summary`);
    const converted: Record<string, Json> = {
        ...(Array.isArray(operation.tags) ? { tags: operation.tags } : {}),
        operationId: str(operation.operationId, `${where}.operationId`),
        summary: typeof operation['x-ms-summary'] === 'string' ? operation['x-ms-summary'] : summary,
        description: typeof operation.description === 'string' ? operation.description : summary,
        ...(consumes.length === 0 ? {} : { consumes }),
        produces: [...new Set(produces)],
        parameters,
        responses,
        ...extensions(operation),
        ...extra,
    };
    // `summary` carries the short name a flow designer shows; x-ms-summary on operations is not read by 2.0 tools.
    delete converted['x-ms-summary'];
    return { operation: converted, produces };
}

/** SubmitResult: what a connector action that POSTs returns once its asynchronous pattern has polled to the end. */
function submitResult(definitions: JsonObject): Json {
    const status = obj(definitions.RequestStatus, 'definitions.RequestStatus');
    return {
        type: 'object',
        description:
            'With the asynchronous pattern on, the final status answer (RequestStatus). Without it, only the Event Grid subscription validation handshake answers 200, with validationResponse.',
        properties: {
            ...obj(status.properties, 'definitions.RequestStatus.properties'),
            validationResponse: { type: 'string', description: 'Event Grid subscription validation code.' },
        },
    };
}

/**
 * The connector definition for a 3.0 document.
 * @param openapi - the parsed openapi/openapi.json
 * @param host - the Function App's host name; the committed file has the placeholder
 * @throws Error when the document uses a 3.0 feature that has no deliberate mapping
 */
export function toSwagger(openapi: Json, host: string = CONNECTOR_HOST): JsonObject {
    const source = obj(openapi, 'document');
    if (!/^3\.0\.\d+$/.test(str(source.openapi, 'openapi'))) throw new Error('expected an OpenAPI 3.0 document');
    const servers = Array.isArray(source.servers) ? source.servers : [];
    const basePath = servers[0] === undefined ? '/' : str(obj(servers[0], 'servers[0]').url, 'servers[0].url');
    const components = obj(source.components, 'components');
    const schemes = obj(components.securitySchemes, 'components.securitySchemes');
    const kept = obj(schemes[CONNECTOR_SECURITY_SCHEME], `securitySchemes.${CONNECTOR_SECURITY_SCHEME}`);
    const definitions: Record<string, Json> = Object.fromEntries(
        Object.entries(obj(components.schemas, 'components.schemas')).map(([name, schema]) => [
            name,
            convertSchema(schema, `components.schemas.${name}`),
        ]),
    );
    definitions.SubmitResult = submitResult(definitions);
    const paths: Record<string, Json> = {};
    const produces = new Set<string>();
    for (const [path, item] of Object.entries(obj(source.paths, 'paths'))) {
        const operations: Record<string, Json> = {};
        for (const [key, value] of Object.entries(obj(item, path))) {
            if (!HTTP_METHODS.some((m) => m === key)) throw new Error(`${path}: "${key}" has no 2.0 mapping`);
            const converted = convertOperation(key, path, obj(value, `${key} ${path}`));
            converted.produces.forEach((type) => produces.add(type));
            operations[key] = converted.operation;
        }
        paths[path] = operations;
    }
    const info = obj(source.info, 'info');
    return {
        swagger: '2.0',
        info: {
            title: str(info.title, 'info.title'),
            description: str(info.description, 'info.description'),
            version: str(info.version, 'info.version'),
        },
        host,
        basePath,
        schemes: ['https'],
        consumes: [CONNECTOR_CONTENT_TYPE],
        produces: [...produces],
        paths,
        definitions,
        parameters: {},
        responses: {},
        securityDefinitions: {
            [CONNECTOR_SECURITY_SCHEME]: {
                type: 'apiKey',
                in: str(kept.in, 'in'),
                name: str(kept.name, 'name'),
                description: 'Function key of the Function App (x-functions-key).',
            },
        },
        security: [{ [CONNECTOR_SECURITY_SCHEME]: [] }],
        ...(Array.isArray(source.tags) ? { tags: source.tags } : {}),
    };
}

/** The committed file's exact text: the definition formatted by the project's Prettier settings. */
export async function renderSwagger(openapi: Json, host: string = CONNECTOR_HOST): Promise<string> {
    const options = (await resolveConfig(SWAGGER_PATH)) ?? {};
    return format(JSON.stringify(toSwagger(openapi, host)), { ...options, filepath: SWAGGER_PATH });
}

function option(argv: readonly string[], name: string): string | undefined {
    const at = argv.indexOf(name);
    if (at < 0) return undefined;
    const value = argv[at + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
    return value;
}

export function readOpenApi(): Json {
    return JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json;
}

async function main(argv: readonly string[]): Promise<void> {
    const host = option(argv, '--host');
    // A host name only: the 2.0 `host` field takes no scheme, path or port separator mistakes.
    if (host !== undefined && !/^[A-Za-z0-9.-]+(?::\d+)?$/.test(host)) {
        throw new Error(`--host must be a host name such as func-sync.azurewebsites.net, got "${host}"`);
    }
    const out = option(argv, '--out');
    const text = await renderSwagger(readOpenApi(), host);
    if (out !== undefined) {
        writeFileSync(out, text);
        console.log(`wrote ${out}${host === undefined ? '' : ` for ${host}`}`);
        return;
    }
    if (host !== undefined) throw new Error('--host needs --out: the committed file keeps the placeholder host');
    if (argv.includes('--stdout')) {
        process.stdout.write(text);
        return;
    }
    if (argv.includes('--check')) {
        if (readFileSync(SWAGGER_PATH, 'utf8') !== text) {
            console.error(`${SWAGGER_PATH} is stale: run npm run connector and commit the result`);
            process.exit(1);
        }
        return;
    }
    writeFileSync(SWAGGER_PATH, text);
    console.log(`wrote ${SWAGGER_PATH}`);
}

if (process.argv[1] !== undefined && /openapi-to-swagger\.[cm]?[jt]s$/.test(process.argv[1])) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
