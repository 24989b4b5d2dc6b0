import openApiDocument from '../../../openapi/openapi.json';
import type { HttpHandler } from './httpGuard';

/** The committed OpenAPI document, served as is (Logic Apps custom connectors import it). */
const body = JSON.stringify(openApiDocument, null, 2) + '\n';

/** The GET handler of `openapi.json` (function key like the rest; import it into a connector with `?code=`). */
export const getOpenApi: HttpHandler = () =>
    Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
        body,
    });
