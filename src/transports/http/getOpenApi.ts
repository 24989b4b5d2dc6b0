import openApiDocument from '../../../openapi/openapi.json';
import type { HttpHandler } from './httpGuard';

/**
 * The committed OpenAPI 3.0 document, served as is. Custom connectors cannot import 3.0: they import the 2.0
 * definition generated from it, connector/apiDefinition.swagger.json (docs/CONNECTOR.md).
 */
const body = JSON.stringify(openApiDocument, null, 2) + '\n';

/** The GET handler of `openapi.json` (function key like the rest). */
export const getOpenApi: HttpHandler = () =>
    Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
        body,
    });
