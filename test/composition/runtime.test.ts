import { afterEach, describe, expect, it, vi } from 'vitest';

import { isConfigError } from '../../src/errors';

describe('getServices (config loaded once, lazily)', () => {
    afterEach(() => vi.unstubAllEnvs());

    it('rejects every call with the same ConfigError naming the bad setting, logged once', async () => {
        vi.stubEnv('SYNC_TARGETS', '[{"id": "Not Valid"}]');
        const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        const { getServices } = await import('../../src/composition/runtime.js');
        const first: unknown = await getServices().catch((e: unknown) => e);
        const second: unknown = await getServices().catch((e: unknown) => e);
        expect(isConfigError(first)).toBe(true);
        expect(second).toBe(first);
        expect(first).toMatchObject({ setting: 'SYNC_TARGETS[0].id' });
        expect(logged).toHaveBeenCalledTimes(1);
        expect(String(logged.mock.calls[0]?.[0])).toContain('SYNC_TARGETS[0].id');
    });
});
