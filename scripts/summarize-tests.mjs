// Prints the one summary line CI reads, "tests: N passed, N failed[, N skipped]", as the last line of its output,
// from one vitest JSON report per Node runtime plus the names of the other checks (typecheck, lint, …) that failed.
// Usage: node scripts/summarize-tests.mjs [--failed-check <name>]... <label>=<vitest.json>:<vitestExitCode>...
//   e.g. node scripts/summarize-tests.mjs --failed-check lint node22=test-results/vitest-node22.json:0
// Counts: tests are summed over every report; each failed check counts as one failure, and so does a report that
// is missing or unreadable, or a vitest that exited non-zero without a failed test (a suite that did not load).
// Under CI=true any skipped test is a failure too: a check that skips in CI does not exist. Its names are printed
// either way, so a skip on a person's machine is seen rather than hidden in a count.
// Exits 1 when anything failed, else 0.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const failedChecks = [];
const reports = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--failed-check') {
        failedChecks.push(args[i + 1] ?? '(unnamed)');
        i += 1;
        continue;
    }
    const match = /^([^=]+)=(.+):(-?\d+)$/.exec(arg);
    if (match === null) {
        console.error(`summarize-tests: cannot read argument "${arg}" (expected <label>=<file>:<exitCode>)`);
        process.exit(2);
    }
    reports.push({ label: match[1], file: match[2], rc: Number(match[3]) });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedNames = [];
const failedNames = [];
const SKIP_STATES = new Set(['pending', 'skipped', 'todo', 'disabled']);

for (const { label, file, rc } of reports) {
    if (!existsSync(file)) {
        failed += 1;
        failedNames.push(`[${label}] no test report at ${file} (vitest exit code ${rc})`);
        continue;
    }
    let report;
    try {
        report = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
        failed += 1;
        failedNames.push(`[${label}] unreadable test report ${file}: ${String(error)}`);
        continue;
    }
    let reportFailed = 0;
    for (const suite of report.testResults ?? []) {
        const tests = suite.assertionResults ?? [];
        for (const test of tests) {
            const name = `[${label}] ${relative(process.cwd(), suite.name ?? '?')} > ${test.fullName ?? test.title ?? '?'}`;
            if (test.status === 'passed') passed += 1;
            else if (test.status === 'failed') {
                reportFailed += 1;
                failedNames.push(name);
            } else if (SKIP_STATES.has(test.status)) {
                skipped += 1;
                skippedNames.push(name);
            }
        }
        // A file that failed to load has no tests to count, but it failed.
        if (suite.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
            reportFailed += 1;
            failedNames.push(
                `[${label}] ${relative(process.cwd(), suite.name ?? '?')}: ${(suite.message ?? 'failed to run').split('\n')[0]}`,
            );
        }
    }
    if (rc !== 0 && reportFailed === 0) {
        reportFailed = 1;
        failedNames.push(`[${label}] vitest exited ${rc} without a failed test in its report`);
    }
    failed += reportFailed;
}

for (const check of failedChecks) failedNames.push(`check failed: ${check}`);
failed += failedChecks.length;

if (skippedNames.length > 0) {
    console.log(`\nSkipped tests (${skippedNames.length}):`);
    for (const name of skippedNames) console.log(`  - ${name}`);
    if (inCi) {
        failed += 1;
        failedNames.push(
            `${skippedNames.length} test(s) skipped under CI=true: a check that skips in CI does not exist`,
        );
    }
}
if (failedNames.length > 0) {
    console.log(`\nFailures (${failedNames.length}):`);
    for (const name of failedNames) console.log(`  - ${name}`);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
