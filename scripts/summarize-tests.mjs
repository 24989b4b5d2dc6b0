// Prints the one summary line CI reads, from vitest's JSON report plus the other checks' exit status.
// Usage: node scripts/summarize-tests.mjs <vitest.json> <otherChecksFailed 0|1> <vitestExitCode>
import { existsSync, readFileSync } from 'node:fs';

const [file, otherFailed = '0', testRc = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
if (file && existsSync(file)) {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed = report.numPassedTests ?? 0;
    failed = report.numFailedTests ?? 0;
    skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if (report.numFailedTestSuites > 0 && failed === 0) failed = report.numFailedTestSuites;
} else {
    failed = 1;
}
// A failed typecheck, lint, format or build is a failed check too.
if (otherFailed !== '0') failed += 1;
if (testRc !== '0' && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
