import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createGraphDirectory, type GraphDirectoryOptions } from '../../../src/adapters/graph/graphDirectory';
import type { DirectoryObjectRef } from '../../../src/domain/entraConfirmation';
import type { DirectoryAnswer } from '../../../src/ports/directory';
import { makeTestCertificate, type TestCertificate } from '../../support/ingestionServer';
import { type GraphServer, type GraphUser, hugeAnswerBytesSent, startGraphServer, trust } from './graphServer';

const JOINER: GraphUser = {
    id: '6e7b768e-07e2-4810-8459-485f84f8f204',
    userPrincipalName: 'new.joiner@contoso.com',
    onPremisesImmutableId: 'M7+8EFVCXkSKu/VvTn6j8g==',
    onPremisesSyncEnabled: true,
    onPremisesLastSyncDateTime: '2026-12-01T02:40:00Z',
};
const OTHERS: GraphUser[] = Array.from({ length: 40 }, (_, n) => ({
    id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    userPrincipalName: `user${n}@contoso.com`,
    onPremisesImmutableId: `AAAAAAAAAAAAAAAAAAAA${String(n).padStart(2, '0')}==`,
    onPremisesSyncEnabled: true,
    onPremisesLastSyncDateTime: null,
}));
const CLOUD_ONLY: GraphUser = {
    id: 'c10c10c1-0000-0000-0000-000000000000',
    userPrincipalName: "o'brien@contoso.com",
    onPremisesImmutableId: null,
    onPremisesSyncEnabled: null,
    onPremisesLastSyncDateTime: null,
};
const MALLORY: GraphUser = {
    id: 'bad00000-0000-0000-0000-000000000000',
    userPrincipalName: 'mallory@contoso.com',
    onPremisesImmutableId: 'TWFsbG9yeU1hbGxvcnlNYQ==',
    onPremisesSyncEnabled: true,
    onPremisesLastSyncDateTime: null,
};

const upn = (value: string): DirectoryObjectRef => ({ by: 'userPrincipalName', value });
const anchor = (value: string): DirectoryObjectRef => ({ by: 'immutableId', value });

const credential: TokenCredential & { scopes: string[] } = {
    scopes: [],
    getToken(scopes: string | string[]): Promise<AccessToken> {
        this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 });
    },
};

/** The adapter with a recording sleep (no real waiting) and a clock the test moves. */
function adapter(server: GraphServer, options: Partial<GraphDirectoryOptions> = {}) {
    const slept: number[] = [];
    let now = Date.UTC(2026, 11, 1, 9, 0, 0);
    const directory = createGraphDirectory({
        endpoint: server.endpoint,
        credential,
        maxRetries: 3,
        sleep: (ms) => {
            slept.push(ms);
            now += ms;
            return Promise.resolve();
        },
        now: () => now,
        ...options,
    });
    return { directory, slept, now: () => now, advance: (ms: number) => (now += ms) };
}

const kinds = (answers: readonly (readonly DirectoryAnswer[])[]) => answers.map((g) => g.map((a) => a.kind));

describe('Graph directory adapter (real Graph client against a loopback Graph)', () => {
    let cert: TestCertificate;
    let server: GraphServer;
    let untrust: () => void;

    beforeAll(async () => {
        cert = makeTestCertificate();
        untrust = trust(cert.certPath);
        server = await startGraphServer(cert, [...OTHERS, JOINER, CLOUD_ONLY, MALLORY], 100);
    });
    afterAll(async () => {
        await server.close();
        untrust();
        cert.remove();
    });
    afterEach(() => server.reset());

    it('looks anchors and UPNs up in one JSON batch of default `$filter … in (…)` queries, with the token and only the sync fields', async () => {
        const { directory } = adapter(server);
        const lookup = await directory.lookUp(
            [
                [
                    anchor(JOINER.onPremisesImmutableId ?? ''),
                    upn("O'Brien@contoso.com"),
                    upn('nobody@contoso.com'),
                    anchor("it's+not/there=="),
                ],
            ],
            20,
        );
        expect(lookup.answers[0]?.[0]).toEqual({
            kind: 'found',
            user: {
                id: JOINER.id,
                userPrincipalName: JOINER.userPrincipalName,
                onPremisesImmutableId: JOINER.onPremisesImmutableId,
                onPremisesSyncEnabled: true,
                onPremisesLastSyncAt: Date.parse('2026-12-01T02:40:00Z'),
            },
        });
        expect(lookup.answers[0]?.[1]).toMatchObject({
            kind: 'found',
            user: { id: CLOUD_ONLY.id, onPremisesSyncEnabled: null },
        });
        expect(kinds(lookup.answers)).toEqual([['found', 'found', 'absent', 'absent']]);
        expect({ requests: lookup.requests, calls: lookup.calls }).toEqual({ requests: 2, calls: 1 });
        const [post, ...inner] = server.requests;
        expect(post).toMatchObject({ method: 'POST', path: '/v1.0/$batch', authorization: 'Bearer test-token' });
        expect(inner.map((r) => r.query.$filter)).toEqual([
            `onPremisesImmutableId in ('${JOINER.onPremisesImmutableId}','it''s+not/there==')`,
            "userPrincipalName in ('O''Brien@contoso.com','nobody@contoso.com')",
        ]);
        for (const r of inner) {
            expect(r).toMatchObject({ inBatch: true, path: '/v1.0/users', consistencyLevel: null });
            expect(r.query.$select?.split(',').sort()).toEqual([
                'id',
                'onPremisesImmutableId',
                'onPremisesLastSyncDateTime',
                'onPremisesSyncEnabled',
                'userPrincipalName',
            ]);
        }
        expect(credential.scopes).toContain(`${server.endpoint}/.default`);
    });

    it('puts at most 15 values in a request and 20 requests in a call; what does not fit is answered notAsked', async () => {
        const { directory } = adapter(server);
        const refs = Array.from({ length: 301 }, (_, i) =>
            upn(OTHERS[i % 40]?.userPrincipalName.replace('@', `+${i}@`) ?? ''),
        );
        const lookup = await directory.lookUp([refs], 20);
        expect({ requests: lookup.requests, calls: lookup.calls }).toEqual({ requests: 20, calls: 1 });
        expect(server.requests.filter((r) => r.inBatch)).toHaveLength(20);
        const answers = lookup.answers[0] ?? [];
        expect(answers.slice(0, 300).every((a) => a.kind === 'absent')).toBe(true);
        expect(answers[300]?.kind).toBe('notAsked');
        // A budget smaller than a call is kept too.
        server.reset();
        const small = await directory.lookUp([refs], 3);
        expect(small.requests).toBe(3);
        expect((small.answers[0] ?? []).filter((a) => a.kind !== 'notAsked')).toHaveLength(45);
    });

    it('never lets objects of different groups share a request (so a failing one can be isolated)', async () => {
        const { directory } = adapter(server);
        const lookup = await directory.lookUp([[upn('user1@contoso.com')], [upn('user2@contoso.com')]], 20);
        expect(lookup.requests).toBe(2);
        expect(kinds(lookup.answers)).toEqual([['found'], ['found']]);
    });

    it('waits Retry-After (never less than its own 1 s back-off) on a throttled or unavailable batch, then succeeds', async () => {
        const { directory, slept } = adapter(server);
        server.throttleNext(2, 429, '0');
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(kinds(lookup.answers)).toEqual([['found']]);
        expect(slept).toEqual([1000, 2000]);
        expect({ requests: lookup.requests, calls: lookup.calls }).toEqual({ requests: 3, calls: 3 });
        server.reset();
        server.throttleNext(1, 503, '2');
        const again = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(kinds(again.answers)).toEqual([['found']]);
        expect(slept.slice(2)).toEqual([2000]);
    });

    it('gives up after the retry bound, answers throttled with when to retry, and sends nothing until then', async () => {
        const { directory, now, advance } = adapter(server, { maxRetries: 2 });
        server.throttleNext(10, 429, '4');
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers[0]?.[0]).toEqual({ kind: 'failed', failure: 'throttled', retryAt: now() + 4000 });
        // The first call and two retries (maxRetries: 2), no more.
        expect(server.calls()).toBe(3);
        const during = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(during).toMatchObject({ requests: 0, calls: 0 });
        expect(during.answers[0]?.[0]).toMatchObject({ kind: 'failed', failure: 'throttled' });
        expect(server.calls()).toBe(3);
        server.reset();
        advance(4000);
        expect(kinds((await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20)).answers)).toEqual([['found']]);
    });

    it('does not sleep through a long Retry-After inside a call: the objects get it as retryAt (at most 10 minutes)', async () => {
        const { directory, slept, now } = adapter(server);
        server.throttleNext(1, 503, '180');
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(slept).toEqual([]);
        expect(lookup.answers[0]?.[0]).toEqual({ kind: 'failed', failure: 'unavailable', retryAt: now() + 180_000 });
        server.reset();
        server.throttleNext(1, 503, '99999999');
        const lying = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lying.answers[0]?.[0]).toEqual({ kind: 'failed', failure: 'unavailable', retryAt: now() + 600_000 });
    });

    it('a throttled request inside the batch fails alone, with its own Retry-After', async () => {
        const { directory, now } = adapter(server);
        server.failValue('user3@contoso.com', 429, '7');
        const lookup = await directory.lookUp([[upn('user3@contoso.com')], [upn('user4@contoso.com')]], 20);
        expect(lookup.answers).toEqual([
            [{ kind: 'failed', failure: 'throttled', retryAt: now() + 7000 }],
            [expect.objectContaining({ kind: 'found' })],
        ]);
    });

    it('tells refusal (403) and a refused query (400) apart from throttling', async () => {
        const { directory } = adapter(server);
        server.failValue('user5@contoso.com', 403);
        server.failValue('user6@contoso.com', 400);
        const lookup = await directory.lookUp([[upn('user5@contoso.com')], [upn('user6@contoso.com')]], 20);
        expect(lookup.answers).toEqual([
            [{ kind: 'failed', failure: 'forbidden', retryAt: null }],
            [{ kind: 'failed', failure: 'badRequest', retryAt: null }],
        ]);
    });
});

describe('Graph directory adapter against a lying or broken Graph', () => {
    let cert: TestCertificate;
    let server: GraphServer;
    let elsewhere: GraphServer;
    let untrust: () => void;

    beforeAll(async () => {
        cert = makeTestCertificate();
        untrust = trust(cert.certPath);
        server = await startGraphServer(cert, [...OTHERS, JOINER, MALLORY], 100);
        elsewhere = await startGraphServer(cert, [JOINER], 100);
    });
    afterAll(async () => {
        await server.close();
        await elsewhere.close();
        untrust();
        cert.remove();
    });
    afterEach(() => {
        server.reset();
        elsewhere.reset();
    });

    it('a user that was not asked for makes the whole answer untrusted: never taken as the one asked for', async () => {
        const { directory } = adapter(server);
        server.misbehave.impostor = MALLORY;
        const lookup = await directory.lookUp([[upn('ada@contoso.com'), upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers).toEqual([
            [
                { kind: 'failed', failure: 'invalidAnswer', retryAt: null },
                { kind: 'failed', failure: 'invalidAnswer', retryAt: null },
            ],
        ]);
    });

    it('follows a next link only on the Graph host: one to another host is never called', async () => {
        const { directory } = adapter(server);
        server.misbehave.nextLinkOrigin = elsewhere.endpoint.replace('127.0.0.1', 'localhost');
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers[0]?.[0]).toEqual({ kind: 'failed', failure: 'invalidAnswer', retryAt: null });
        expect(elsewhere.calls()).toBe(0);
    });

    it('reads at most three pages per request of an endless collection', async () => {
        const { directory } = adapter(server);
        server.misbehave.endlessPages = true;
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers[0]?.[0]).toMatchObject({ kind: 'failed', failure: 'invalidAnswer' });
        expect(lookup.requests).toBe(3);
        expect(server.calls()).toBe(3);
    });

    it('refuses an answer larger than the limit without reading it all (600,000 users)', async () => {
        const { directory } = adapter(server);
        server.misbehave.hugeAnswerBytes = 600_000 * 110;
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers[0]?.[0]).toEqual({ kind: 'failed', failure: 'answerTooLarge', retryAt: null });
        // The adapter hung up after its 1 MiB: the server wrote a small part of the 66 MB (socket buffers included).
        expect(hugeAnswerBytesSent()).toBeLessThan(16 * 1024 * 1024);
    });

    it('backs off on a malformed Retry-After instead of retrying at once (1 s, 2 s, 4 s)', async () => {
        const { directory, slept } = adapter(server);
        server.throttleNext(10, 429, 'garbage');
        await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(server.calls()).toBe(4);
        expect(slept).toEqual([1000, 2000, 4000]);
    });

    it('does not follow a redirect (with or without the token)', async () => {
        const { directory } = adapter(server);
        server.misbehave.redirectTo = `${elsewhere.endpoint}/v1.0/$batch`;
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers[0]?.[0]).toMatchObject({ kind: 'failed', failure: 'invalidAnswer' });
        expect(elsewhere.calls()).toBe(0);
    });

    it('gives up on a Graph that never answers after the call deadline', async () => {
        const { directory } = adapter(server, { callTimeoutMs: 300 });
        server.misbehave.hang = true;
        const lookup = await directory.lookUp([[upn(JOINER.userPrincipalName)]], 20);
        expect(lookup.answers[0]?.[0]).toMatchObject({ kind: 'failed', failure: 'unavailable' });
    });
});

describe('Graph directory adapter paging', () => {
    let cert: TestCertificate;
    let server: GraphServer;
    let untrust: () => void;

    beforeAll(async () => {
        cert = makeTestCertificate();
        untrust = trust(cert.certPath);
        server = await startGraphServer(cert, [JOINER], 1, { emptyFirstPage: true });
    });
    afterAll(async () => {
        await server.close();
        untrust();
        cert.remove();
    });

    it('follows @odata.nextLink on the Graph host when a page holds no match, with the token, and counts the page', async () => {
        const { directory } = adapter(server, { maxRetries: 0 });
        const lookup = await directory.lookUp([[anchor(JOINER.onPremisesImmutableId ?? '')]], 20);
        expect(lookup.answers[0]?.[0]).toMatchObject({ kind: 'found', user: { id: JOINER.id } });
        expect({ requests: lookup.requests, calls: lookup.calls }).toEqual({ requests: 2, calls: 2 });
        const pages = server.requests.filter((r) => r.path === '/v1.0/users');
        expect(pages.map((r) => r.query.$skiptoken ?? null)).toEqual([null, '0']);
        expect(server.requests.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
    });
});
