// Writes the directory azd zips and uploads to the Function App (azure.yaml: services.api.dist), holding exactly
// what the Functions host needs to start: host.json, a package.json whose `main` is the bundle, and the bundle.
// The bundle (npm run build: esbuild, every npm dependency inside) is the whole app, so the directory has no
// node_modules and no sources, and azd deploys it as-is (remoteBuild: false). The package.json keeps no scripts
// and no dependencies: nothing is installed or built on the server.
// Usage: node infra/hooks/stage-package.mjs [--bundle <built bundle>] [--out <directory>]
//   defaults: the bundle at package.json `main` (dist/index.js), and dist/azd-package (gitignored, under dist/).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (typeof pkg.main !== 'string' || pkg.main === '') throw new Error('package.json has no main');

const { values } = parseArgs({
    options: {
        bundle: { type: 'string', default: join(root, pkg.main) },
        out: { type: 'string', default: join(root, 'dist', 'azd-package') },
    },
});
const out = resolve(values.out);

// Start empty, so nothing from an earlier run (an old file name, a stray file) is uploaded.
rmSync(out, { recursive: true, force: true });
mkdirSync(dirname(join(out, pkg.main)), { recursive: true });
copyFileSync(join(root, 'host.json'), join(out, 'host.json'));
copyFileSync(resolve(values.bundle), join(out, pkg.main));
const deployed = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    private: true,
    license: pkg.license,
    main: pkg.main,
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
console.log(`staged ${out}: host.json, package.json, ${pkg.main}`);
