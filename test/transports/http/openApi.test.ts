import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { HttpRequest } from '@azure/functions';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';

import { EVENT_TYPES } from '../../../src/transports/formats/eventTypes';
import { PROBLEMS } from '../../../src/transports/formats/problem';
import { getOpenApi } from '../../../src/transports/http/getOpenApi';
import { context } from '../harness';

const committedText = readFileSync(join(__dirname, '../../../openapi/openapi.json'), 'utf8');

async function served(): Promise<string> {
    const response = await getOpenApi(
        new HttpRequest({ method: 'GET', url: 'https://sync.example.test/api/openapi.json' }),
        context(),
    );
    expect(response.status).toBe(200);
    if (typeof response.body !== 'string') throw new Error('expected a string body');
    return response.body;
}

describe('OpenAPI document', () => {
    it('is a valid OpenAPI 3.0 document', async () => {
        const document: unknown = JSON.parse(committedText);
        const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
        expect(result.valid ? [] : result.errors).toEqual([]);
        expect(result.specification).toBe('OpenAPI');
        expect(JSON.parse(committedText)).toMatchObject({ openapi: expect.stringMatching(/^3\.0\.\d$/) });
    });

    it('is served as committed (same document, whatever the formatting)', async () => {
        expect(JSON.parse(await served())).toEqual(JSON.parse(committedText));
    });

    it('lists every problem code, every event type and the async pattern of the API', () => {
        const document = JSON.parse(committedText) as {
            components: {
                schemas: Record<string, { properties?: Record<string, { enum?: string[] }>; enum?: string[] }>;
            };
            paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>;
        };
        expect(document.components.schemas.Problem?.properties?.code?.enum?.sort()).toEqual(
            Object.keys(PROBLEMS).sort(),
        );
        expect(document.components.schemas.EventType?.enum).toEqual(EVENT_TYPES);
        const accepted = document.paths['/sync/requests']?.post?.responses['202'];
        expect(Object.keys(accepted?.headers ?? {})).toEqual(expect.arrayContaining(['Location', 'Retry-After']));
        const polling = document.paths['/sync/requests/{requestId}']?.get?.responses;
        expect(Object.keys(polling ?? {})).toEqual(expect.arrayContaining(['200', '202', '409', '410', '424']));
    });
});
