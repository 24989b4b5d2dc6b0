/**
 * The layer rules of src/ (docs/ARCHITECTURE.md, "Layers"), checked by `npm run check:layers` in .ci/run.
 *
 *   domain ← ports ← app ← adapters (driven) and transports (driving) ← composition ← functions/, local
 *   cli (npm run status) stands apart: an HTTP client of the deployed app, it knows only the status answer.
 *
 * config is read by the composition roots only; src/errors.ts is the shared kernel every layer may use.
 * A rule names what a layer must NOT import, so a new folder is caught by `not-in-a-layer` until it is placed.
 */
const LAYER = {
    domain: '^src/domain/',
    ports: '^src/ports/',
    app: '^src/app/',
    adapters: '^src/adapters/',
    transports: '^src/transports/',
    config: '^src/config/',
    composition: '^src/composition/',
    local: '^src/local/',
    cli: '^src/cli/',
    functions: '^functions/',
};
const KERNEL = '^src/errors\\.ts$';
const ENTRY = '^src/index\\.ts$';
/** Where the code is entered: the deployed bundle, the local host that scripts/start.ts runs, the status CLI. */
const ROOTS = `${ENTRY}|^src/local/(localHost|localSettings)\\.ts$|^src/cli/statusCli\\.ts$`;
const any = (...names) => names.map((n) => LAYER[n]);

/** A layer that may import only the listed layers (itself and the shared kernel always). */
const onlyImports = (name, allowed, comment) => ({
    name: `${name}-imports-only-${allowed.join('-') || 'itself'}`,
    severity: 'error',
    comment,
    from: { path: LAYER[name] },
    to: { path: '^(src|functions)/', pathNot: [LAYER[name], KERNEL, ...any(...allowed)] },
});

module.exports = {
    forbidden: [
        onlyImports(
            'domain',
            [],
            'The domain is pure: engine, request status, routing, the target. It imports no other layer.',
        ),
        onlyImports(
            'ports',
            ['domain'],
            'Ports are the contracts the app speaks to adapters in; they know the domain only.',
        ),
        onlyImports(
            'app',
            ['domain', 'ports'],
            'Use cases take ports and return domain outcomes; no config, no adapter, no transport.',
        ),
        onlyImports(
            'adapters',
            ['domain', 'ports'],
            'An adapter implements a port for one technology and receives its own options, never the whole config.',
        ),
        onlyImports(
            'cli',
            [],
            'The status CLI talks to the app over HTTP only: it parses the status answer itself and imports no other layer.',
        ),
        onlyImports(
            'transports',
            ['domain', 'ports', 'app'],
            'A transport parses its input, builds one command, calls one use case and maps the outcome to its protocol.',
        ),
        {
            name: 'config-imports-only-domain',
            severity: 'error',
            comment:
                'The settings registry and loader know the domain, and the option types of the adapters they configure.',
            from: { path: LAYER.config },
            to: {
                path: '^(src|functions)/',
                pathNot: [LAYER.config, KERNEL, LAYER.domain],
                dependencyTypesNot: ['type-only'],
            },
        },
        {
            name: 'config-read-by-composition-only',
            severity: 'error',
            comment: 'Only the composition roots (and the local host, which is one) read settings.',
            from: { path: '^(src|functions)/', pathNot: [LAYER.config, LAYER.composition, LAYER.local] },
            to: { path: LAYER.config },
        },
        {
            name: 'composition-below-hosts',
            severity: 'error',
            comment:
                'The composition roots wire every layer but are themselves used only by functions/, the entry and the local host.',
            from: { path: '^src/', pathNot: [LAYER.composition, LAYER.local, ENTRY] },
            to: { path: LAYER.composition },
        },
        {
            name: 'functions-register-only',
            severity: 'error',
            comment: 'functions/ only registers triggers: it points at transports and at the process runtime.',
            from: { path: LAYER.functions },
            to: { path: '^src/', pathNot: any('transports', 'composition') },
        },
        {
            name: 'not-in-a-layer',
            severity: 'error',
            comment:
                'Every file of src/ belongs to a layer (add a folder to .dependency-cruiser.cjs and docs/ARCHITECTURE.md).',
            from: { path: '^src/', pathNot: [...Object.values(LAYER), KERNEL, ENTRY] },
            to: {},
        },
        {
            name: 'no-circular',
            severity: 'error',
            comment: 'A cycle makes two modules one; split or merge them.',
            from: { path: '^(src|functions)/' },
            to: { circular: true },
        },
        {
            name: 'no-orphans',
            severity: 'error',
            comment:
                'A module nothing imports is dead code (tests do not count: code used only by tests lives in test/support).',
            from: { orphan: true, path: '^(src|functions)/', pathNot: [ENTRY, '\\.d\\.ts$'] },
            to: {},
        },
        {
            name: 'no-dead-modules',
            severity: 'error',
            comment:
                'Every module is reached from an entry point: the deployed bundle (src/index.ts) or the local host. ' +
                'Code used only by tests, benches or scripts lives beside them (test/support), not in src/.',
            from: { path: ROOTS },
            to: { path: '^src/', pathNot: ROOTS, reachable: false },
        },
        {
            name: 'no-unresolvable',
            severity: 'error',
            from: { path: '^(src|functions)/' },
            to: { couldNotResolve: true },
        },
    ],
    options: {
        doNotFollow: { path: 'node_modules' },
        exclude: { path: '^(test|bench|dist|node_modules)/' },
        tsPreCompilationDeps: true,
        tsConfig: { fileName: 'tsconfig.json' },
        enhancedResolveOptions: {
            exportsFields: ['exports'],
            conditionNames: ['import', 'require', 'node', 'default'],
        },
        reporterOptions: { text: { highlightFocused: true } },
    },
};
