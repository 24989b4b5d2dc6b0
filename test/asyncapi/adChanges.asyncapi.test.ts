import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type AsyncAPIDocumentInterface, type MessageInterface, Parser } from '@asyncapi/parser';
import { InvocationContext } from '@azure/functions';
import Ajv, { type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';

import { DESCRIPTION_PROPERTY, REASON_PROPERTY } from '../../src/adapters/serviceBus/serviceBusInvalidMessageSink';
import { SETTINGS } from '../../src/config/settings';
import { CHANGE_KINDS } from '../../src/domain/change';
import { EVENT_TYPES } from '../../src/transports/formats/eventTypes';
import { PROBLEMS } from '../../src/transports/formats/problem';
import { createChangeQueueHandler } from '../../src/transports/serviceBus/changeQueueHandler';
import { pendingChanges } from '../support/pendingChanges';
import { type Harness, harness } from '../transports/harness';

const root = join(__dirname, '..', '..');
const text = readFileSync(join(root, 'asyncapi', 'ad-changes.asyncapi.yaml'), 'utf8');

function batchContext(messageIds: readonly (string | null)[]): InvocationContext {
    return new InvocationContext({
        invocationId: 'asyncapi',
        functionName: 'changeQueue',
        logHandler: () => undefined,
        triggerMetadata: {
            messageIdArray: messageIds.map((id) => id ?? ''),
            deliveryCountArray: messageIds.map(() => 1),
        },
    });
}

/** One message example: its payload and the broker properties it documents. */
interface Example {
    readonly message: string;
    readonly name: string;
    readonly payload: unknown;
    readonly headers: Readonly<Record<string, unknown>>;
}

function examplesOf(message: MessageInterface): Example[] {
    return message
        .examples()
        .all()
        .map((example) => ({
            message: message.id(),
            name: example.name() ?? '(unnamed)',
            payload: example.payload(),
            headers: (example.headers() ?? {}) as Readonly<Record<string, unknown>>,
        }));
}

/** Changes the target holds: an urgent one on an idle target starts its run at once (the lead rule). */
async function windowCount(h: Harness): Promise<number> {
    return pendingChanges(await h.services.coordinator.readState('contoso')).changeCount;
}

describe('asyncapi/ad-changes.asyncapi.yaml', () => {
    let document: AsyncAPIDocumentInterface;
    let accepted: Example[];
    let invalid: Example[];
    let payloadValidators: ValidateFunction[];

    beforeAll(async () => {
        const parsed = await new Parser().parse(text);
        // Severity 0 is an error, 1 a warning: a valid document without warnings.
        expect(parsed.diagnostics.filter((d) => Number(d.severity) <= 1).map((d) => `${d.code}: ${d.message}`)).toEqual(
            [],
        );
        if (parsed.document === undefined) throw new Error('the AsyncAPI document did not parse');
        document = parsed.document;
        const receive = document
            .operations()
            .all()
            .find((o) => o.action() === 'receive');
        if (receive === undefined) throw new Error('no receive operation');
        accepted = receive.messages().all().flatMap(examplesOf);
        invalid = document
            .channels()
            .all()
            .filter((c) => c.address() === 'ad-changes-invalid')
            .flatMap((c) => c.messages().all().flatMap(examplesOf));
        // The payload schemas, dereferenced by the parser, as plain JSON Schema (formats are the handler's job).
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        payloadValidators = receive
            .messages()
            .all()
            .map((m) => ajv.compile(m.payload()?.json() ?? {}));
    }, 60_000);

    const matchesSchema = (payload: unknown): boolean => payloadValidators.some((validate) => validate(payload));

    it('is a valid AsyncAPI 3 document describing the ad-changes queue and its quarantine', () => {
        expect(document.version()).toMatch(/^3\./);
        const addresses = document
            .channels()
            .all()
            .map((c) => c.address());
        const setting = (name: string) => SETTINGS.find((s) => s.name === name)?.default;
        expect(addresses).toEqual([setting('CHANGE_QUEUE_NAME'), setting('INVALID_CHANGE_QUEUE_NAME')]);
        expect(accepted.map((e) => e.message)).toEqual(
            expect.arrayContaining(['nativeChange', 'nativeBatch', 'cloudEvent']),
        );
    });

    it('documents the queue settings infra deploys', () => {
        const bicep = readFileSync(join(root, 'infra', 'app', 'serviceBus.bicep'), 'utf8');
        const param = (name: string) => new RegExp(`param ${name} \\w+ = '?([^'\\s]+)'?`).exec(bicep)?.[1];
        const channel = document
            .channels()
            .all()
            .find((c) => c.address() === 'ad-changes');
        const settings = channel?.extensions().get('x-service-bus')?.value<Record<string, unknown>>();
        expect(settings).toMatchObject({
            maxDeliveryCount: Number(param('changeQueueMaxDeliveryCount')),
            lockDuration: param('changeQueueLockDuration'),
            defaultMessageTimeToLive: param('changeQueueMessageTimeToLive'),
        });
    });

    it('lists exactly the change kinds and event types the intake accepts', () => {
        const schemas = document.components().schemas();
        expect(schemas.get('ChangeKind')?.enum()).toEqual([...CHANGE_KINDS]);
        expect(schemas.get('CloudEvent')?.properties()?.type?.enum()).toEqual([...EVENT_TYPES]);
    });

    it('every message example matches its payload schema and is accepted by the real change-queue handler', async () => {
        expect(accepted.length).toBeGreaterThanOrEqual(5);
        for (const example of accepted) {
            expect(matchesSchema(example.payload), `${example.message}/${example.name} matches the schema`).toBe(true);
            const h = harness();
            const before = await windowCount(h);
            const messageId = typeof example.headers.messageId === 'string' ? example.headers.messageId : null;
            await createChangeQueueHandler(() => h.services)([example.payload], batchContext([messageId]));
            expect(h.invalidMessages.messages, `${example.message}/${example.name}`).toEqual([]);
            expect(await windowCount(h), `${example.message}/${example.name} joined a window`).toBeGreaterThan(before);
        }
    });

    it('a redelivered example is not counted twice (idempotent on messageId or CloudEvent id)', async () => {
        for (const example of accepted.filter(
            (e) => typeof e.headers.messageId === 'string' || e.message === 'cloudEvent',
        )) {
            const h = harness();
            const handler = createChangeQueueHandler(() => h.services);
            const messageId = typeof example.headers.messageId === 'string' ? example.headers.messageId : null;
            await handler([example.payload], batchContext([messageId]));
            const once = await windowCount(h);
            await handler([example.payload], batchContext([messageId]));
            expect(await windowCount(h), `${example.message}/${example.name}`).toBe(once);
        }
    });

    it('the invalid-message examples are dead-lettered by the real handler with the documented properties', async () => {
        expect(invalid.length).toBeGreaterThanOrEqual(2);
        for (const example of invalid) {
            const h = harness();
            const messageId = typeof example.headers.messageId === 'string' ? example.headers.messageId : null;
            await createChangeQueueHandler(() => h.services)([example.payload], batchContext([messageId]));
            expect(h.invalidMessages.messages, example.name).toEqual([
                expect.objectContaining({
                    messageId,
                    body: example.payload,
                    reason: example.headers[REASON_PROPERTY],
                    description: example.headers[DESCRIPTION_PROPERTY],
                    deliveryCount: example.headers.originalDeliveryCount,
                }),
            ]);
            expect(example.headers.subject).toBe('invalid-change');
            expect(await windowCount(h)).toBe(0);
        }
    });

    it('dead-letter reasons are problem codes a message can cause (4xx); dependency failures are retried, not listed', () => {
        const reasons = document
            .components()
            .schemas()
            .get('InvalidChangeProperties')
            ?.properties()
            ?.[REASON_PROPERTY]?.enum();
        expect(reasons?.length).toBeGreaterThan(5);
        for (const reason of reasons ?? []) {
            const problem = Object.entries(PROBLEMS).find(([code]) => code === reason)?.[1];
            expect(problem?.status, String(reason)).toBeGreaterThanOrEqual(400);
            expect(problem?.status, String(reason)).toBeLessThan(500);
        }
    });

    it('the schema and the handler agree on bodies that must be refused', async () => {
        const refused: unknown[] = [
            { kind: 'hire', upn: 'a@contoso.com' },
            { kind: 'joiner', upn: 'not a upn' },
            { kind: 'joiner', upn: 'a@contoso.com', extra: true },
            { kind: 'joiner', upn: 'a@contoso.com', policy: 'Full' },
            { target: 'Contoso', changes: [{ kind: 'mover' }] },
            { changes: [] },
            { changes: [{ kind: 'group', distinguishedName: 'no equals sign' }] },
            [{ kind: 'joiner' }],
            { specversion: '1.0', id: '1', source: '/s', type: 'dev.entra-sync-trigger.change.joiner', data: { x: 1 } },
            { specversion: '1.0', id: '1', source: '/s', type: 'com.example.other' },
            { specversion: '0.3', id: '1', source: '/s', type: 'dev.entra-sync-trigger.change.joiner' },
            { kind: 'joiner', upn: 'a$b@contoso.com' },
        ];
        for (const body of refused) {
            expect(matchesSchema(body), `schema refuses ${JSON.stringify(body)}`).toBe(false);
            const h = harness();
            await createChangeQueueHandler(() => h.services)([body], batchContext(['m']));
            expect(h.invalidMessages.messages, `handler dead-letters ${JSON.stringify(body)}`).toHaveLength(1);
        }
    });
});
