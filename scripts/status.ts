/**
 * `npm run status -- --url <base> [--key <k>] [--json]`: the on-call status in a terminal (README, "On-call").
 * The logic is src/cli/statusCli.ts; this file only wires it to the process.
 */
import { runStatusCli } from '../src/cli/statusCli';

void runStatusCli(process.argv.slice(2), {
    fetch,
    env: process.env,
    stdoutIsTty: process.stdout.isTTY,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
}).then((code) => {
    process.exitCode = code;
});
