import { type RunningAzurite, startAzurite } from '../../src/local/azurite';

/** A running in-memory Azurite Table service on a loopback port (see src/local/azurite.ts). */
export type AzuriteTables = RunningAzurite;

/**
 * Starts Azurite's Table service only, in memory, on a free 127.0.0.1 port, and resolves once it listens.
 * Use one per test file from `beforeAll`, `stop()` in `afterAll`, and a unique table name per test.
 *
 * @example
 * let azurite: AzuriteTables;
 * beforeAll(async () => { azurite = await startAzuriteTables(); });
 * afterAll(() => azurite.stop());
 */
export function startAzuriteTables(): Promise<AzuriteTables> {
    return startAzurite();
}
