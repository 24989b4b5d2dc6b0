import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
// `yaml` is in node_modules through vitest (vite) and applicationinsights; only tests read it.
import { parse } from 'yaml';
import { z } from 'zod';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const WORKFLOWS = join(ROOT, '.github', 'workflows');

const step = z.object({ uses: z.string().optional(), run: z.string().optional(), if: z.string().optional() });
const job = z.object({
    if: z.string().optional(),
    uses: z.string().optional(),
    steps: z.array(step).optional(),
    strategy: z.object({ matrix: z.object({ node: z.array(z.string()) }) }).optional(),
});
const workflow = z.object({ name: z.string(), on: z.record(z.string(), z.unknown()), jobs: z.record(z.string(), job) });
type Workflow = z.infer<typeof workflow>;

const load = (file: string): Workflow => workflow.parse(parse(read(`.github/workflows/${file}`)));
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

/** The Node majors package.json `engines` claims, e.g. "^22.13.0 || ^24.0.0" -> ['22', '24']. */
function claimedMajors(): string[] {
    const pkg = z.object({ engines: z.object({ node: z.string() }) }).parse(JSON.parse(read('package.json')));
    return pkg.engines.node.split('||').map((range) => {
        const match = /^\s*\^(\d+)\.\d+\.\d+\s*$/.exec(range);
        if (match?.[1] === undefined) throw new Error(`engines range "${range}" is not ^MAJOR.MINOR.PATCH`);
        return match[1];
    });
}

describe('GitHub workflows', () => {
    const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));

    it('parse as workflows', () => {
        expect(files.sort()).toEqual(['ci.yml', 'deploy.yml', 'host-e2e.yml']);
        for (const file of files) expect(() => load(file)).not.toThrow();
    });

    it('pin every action by full commit SHA, with the tag in a trailing comment', () => {
        for (const file of files) {
            const uses = [...read(`.github/workflows/${file}`).matchAll(/^\s*(?:- )?uses: (.+)$/gm)].map((m) => m[1]);
            expect(uses.length).toBeGreaterThan(0);
            for (const use of uses) {
                if (use?.startsWith('./') === true) continue; // a workflow of this repository, pinned by the commit itself
                expect(use, file).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
            }
        }
    });

    it('test every runtime engines claims, and nothing else; .ci/run, the installer and esbuild agree', () => {
        const majors = claimedMajors();
        expect(majors[0]).toBe('22'); // the deploy runtime (Flex Consumption)
        const test = load('ci.yml').jobs.test;
        expect(test?.strategy?.matrix.node).toEqual(majors);
        expect(test?.steps?.some((s) => s.run === 'bash .ci/run')).toBe(true);
        expect(read('.ci/run')).toContain(`CI_NODE_MAJORS:-${majors.join(' ')}}`);
        const installer = read('scripts/install-node.sh');
        for (const major of majors)
            expect(installer).toMatch(new RegExp(`^ {4}${major}\\) version="${major}\\.\\d+\\.\\d+" ;;$`, 'm'));
        expect(read('package.json')).toContain(`--target=node${majors[0]}`);
        expect(read('README.md')).toMatch(
            new RegExp(`Node\\.js ${majors[0]}\\*\\*.*\\*\\*Node\\.js ${majors[1] ?? '-'}\\*\\*`, 's'),
        );
    });

    it('deploy only after ci succeeded for a push to main, the commit ci tested, signed in with OIDC', () => {
        const deploy = load('deploy.yml');
        expect(deploy.on).toEqual({
            workflow_run: { workflows: ['ci'], types: ['completed'], branches: ['main'] },
            workflow_dispatch: null,
        });
        const job = deploy.jobs.deploy;
        expect(job?.if).toContain("github.event.workflow_run.conclusion == 'success'");
        expect(job?.if).toContain("github.event.workflow_run.event == 'push'");
        expect(job?.if).toContain('github.event.workflow_run.head_repository.full_name == github.repository');
        // By hand: main only, and only a commit ci passed.
        expect(steps(deploy)[0]?.run).toContain('gh run list');
        expect(steps(deploy)[0]?.run).toContain('--status success');
        const text = read('.github/workflows/deploy.yml');
        expect(text).toContain('ref: ${{ github.event.workflow_run.head_sha || github.sha }}');
        expect(text).toMatch(/id-token: write/);
        expect(steps(deploy).some((s) => s.uses?.startsWith('azure/login@') === true)).toBe(true);
        for (const key of ['client-id', 'tenant-id', 'subscription-id']) expect(text).toContain(`${key}: \${{ vars.`);
        expect(text).toContain('--federated-credential-provider github');
        expect(text).toContain('azd provision');
        expect(text).toContain('azd deploy');
    });

    it('ci runs the real-host end-to-end job, whose emulator declares the queues the app reads', () => {
        expect(load('ci.yml').jobs['host-e2e']?.uses).toBe('./.github/workflows/host-e2e.yml');
        expect(steps(load('host-e2e.yml')).some((s) => s.run === 'bash scripts/host-e2e.sh')).toBe(true);
        const emulator = z
            .object({
                UserConfig: z.object({
                    Namespaces: z.array(z.object({ Queues: z.array(z.object({ Name: z.string() })) })),
                }),
            })
            .parse(JSON.parse(read('test/host-e2e/servicebus-emulator.config.json')));
        const queues = emulator.UserConfig.Namespaces.flatMap((n) => n.Queues.map((q) => q.Name)).sort();
        const sample = z
            .object({ Values: z.record(z.string(), z.string()) })
            .parse(JSON.parse(read('local.settings.sample.json')));
        const settings = ['CHANGE_QUEUE_NAME', 'INVALID_CHANGE_QUEUE_NAME', 'CONTROL_QUEUE_NAME'].map(
            (name) => sample.Values[name],
        );
        expect(queues).toEqual([...settings].sort());
    });
});
