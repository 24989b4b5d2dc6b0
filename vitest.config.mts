import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // Fails a CI run whose tests changed the working tree (tests write only under os.tmpdir()).
        globalSetup: ['test/support/treeGuard.ts'],
        testTimeout: 60_000,
        hookTimeout: 120_000,
        pool: 'forks',
        reporters: ['default'],
    },
});
