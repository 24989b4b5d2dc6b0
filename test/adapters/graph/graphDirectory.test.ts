import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createGraphDirectory, DirectoryLookupError } from '../../../src/adapters/graph/graphDirectory';
import { makeTestCertificate, type TestCertificate } from '../../support/ingestionServer';
import { type GraphServer, type GraphUser, startGraphServer } from './graphServer';

const JOINER: GraphUser = {
    id: '6e7b768e-07e2-4810-8459-485f84f8f204',
    userPrincipalName: 'new.joiner@contoso.com',
    onPremisesImmutableId: 'M7+8EFVCXkSKu/VvTn6j8g==',
    onPremisesSyncEnabled: true,
    onPremisesLastSyncDateTime: '2026-12-01T02:40:00Z',
};
const OTHERS: GraphUser[] = [1, 2, 3].map((n) => ({
    id: `00000000-0000-0000-0000-00000000000${n}`,
    userPrincipalName: `user${n}@contoso.com`,
    onPremisesImmutableId: `AAAAAAAAAAAAAAAAAAAAA${n}==`,
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

/**
 * Node 22.15+ can change the default trust store at run time; @types/node 20 does not declare it yet. The Graph
 * client only talks https and fetch reads the default store, so the test trusts its throwaway certificate this way.
 */
interface RuntimeTrustStore {
    getCACertificates(type: 'default'): string[];
    setDefaultCACertificates(certs: readonly string[]): void;
}
const trustStore = tls as unknown as Partial<RuntimeTrustStore>;
function trust(certPath: string): () => void {
    const { getCACertificates, setDefaultCACertificates } = trustStore;
    if (getCACertificates === undefined || setDefaultCACertificates === undefined) {
        throw new Error(
            `Node ${process.version} cannot change its trust store at run time; run the tests on Node 22.15+`,
        );
    }
    const original = getCACertificates('default');
    setDefaultCACertificates([...original, readFileSync(certPath, 'utf8')]);
    return () => setDefaultCACertificates(original);
}

const credential: TokenCredential & { scopes: string[] } = {
    scopes: [],
    getToken(scopes: string | string[]): Promise<AccessToken> {
        this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 });
    },
};

describe('Graph directory adapter (real Graph client against a loopback Graph)', () => {
    let cert: TestCertificate;
    let server: GraphServer;
    let untrust: () => void;

    beforeAll(async () => {
        cert = makeTestCertificate();
        untrust = trust(cert.certPath);
        server = await startGraphServer(cert, [...OTHERS, JOINER, CLOUD_ONLY], 2);
    });
    afterAll(async () => {
        await server.close();
        untrust();
        cert.remove();
    });
    afterEach(() => {
        server.requests.length = 0;
        server.throttleNext(0, 429, '0');
    });

    const directory = () => createGraphDirectory({ endpoint: server.endpoint, credential, maxRetries: 2 });

    it('finds a synced user by anchor with a default $filter query (no ConsistencyLevel) and reads the sync fields', async () => {
        const user = await directory().findUser({ by: 'immutableId', value: JOINER.onPremisesImmutableId ?? '' });
        expect(user).toEqual({
            id: JOINER.id,
            userPrincipalName: JOINER.userPrincipalName,
            onPremisesImmutableId: JOINER.onPremisesImmutableId,
            onPremisesSyncEnabled: true,
            onPremisesLastSyncAt: Date.parse('2026-12-01T02:40:00Z'),
        });
        const [request] = server.requests;
        expect(request).toMatchObject({
            method: 'GET',
            path: '/v1.0/users',
            query: { $filter: `onPremisesImmutableId eq '${JOINER.onPremisesImmutableId}'` },
            authorization: 'Bearer test-token',
            consistencyLevel: null,
        });
        expect(request?.query.$select?.split(',').sort()).toEqual([
            'id',
            'onPremisesImmutableId',
            'onPremisesLastSyncDateTime',
            'onPremisesSyncEnabled',
            'userPrincipalName',
        ]);
        expect(credential.scopes).toContain(`${server.endpoint}/.default`);
    });

    it('finds a user by UPN (GET /users/{upn}), and answers null on 404', async () => {
        const found = await directory().findUser({ by: 'userPrincipalName', value: "o'brien@contoso.com" });
        expect(found).toMatchObject({ id: CLOUD_ONLY.id, onPremisesSyncEnabled: null, onPremisesLastSyncAt: null });
        expect(await directory().findUser({ by: 'userPrincipalName', value: 'nobody@contoso.com' })).toBeNull();
        expect(server.requests.map((r) => r.path)).toEqual([
            "/v1.0/users/o'brien@contoso.com",
            '/v1.0/users/nobody@contoso.com',
        ]);
    });

    it('answers null when the filter matches nobody', async () => {
        expect(await directory().findUser({ by: 'immutableId', value: "it's+not/there==" })).toBeNull();
        expect(server.requests[0]?.query.$filter).toBe("onPremisesImmutableId eq 'it''s+not/there=='");
    });

    it('waits Retry-After on 429 and 503 and then succeeds', async () => {
        server.throttleNext(2, 429, '0');
        const user = await directory().findUser({ by: 'userPrincipalName', value: JOINER.userPrincipalName });
        expect(user?.id).toBe(JOINER.id);
        expect(server.requests).toHaveLength(3);
        server.requests.length = 0;
        server.throttleNext(1, 503, '0');
        expect(await directory().findUser({ by: 'userPrincipalName', value: JOINER.userPrincipalName })).not.toBeNull();
        expect(server.requests).toHaveLength(2);
    });

    it('gives up after the retry bound with a typed error', async () => {
        server.throttleNext(10, 429, '0');
        const failure = await directory()
            .findUser({ by: 'userPrincipalName', value: JOINER.userPrincipalName })
            .catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(DirectoryLookupError);
        expect(failure).toMatchObject({ code: 'DIRECTORY_LOOKUP_FAILED', statusCode: 429 });
        // The first call and two retries (maxRetries: 2), no more.
        expect(server.requests).toHaveLength(3);
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

    it('follows @odata.nextLink when a page holds no match', async () => {
        const directory = createGraphDirectory({ endpoint: server.endpoint, credential, maxRetries: 0 });
        const user = await directory.findUser({ by: 'immutableId', value: JOINER.onPremisesImmutableId ?? '' });
        expect(user?.id).toBe(JOINER.id);
        expect(server.requests.map((r) => r.query.$skiptoken ?? null)).toEqual([null, '0']);
        expect(server.requests.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
    });
});
