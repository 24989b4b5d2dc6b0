import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { RequiredTool } from '../support/requiredTool';

/** The repository root. */
export const REPO_ROOT = join(__dirname, '../..');

// The pins live in one place, scripts/powershell-tools.sh, which the install and run scripts source; read them there.
const pins = readFileSync(join(REPO_ROOT, 'scripts/powershell-tools.sh'), 'utf8');
function pin(name: string): string {
    const value = new RegExp(`^${name}="([^"]+)"$`, 'm').exec(pins)?.[1];
    if (value === undefined) throw new Error(`scripts/powershell-tools.sh does not set ${name}`);
    return value;
}

/** The pinned PowerShell and Pester versions. */
export const PWSH_VERSION = pin('PWSH_VERSION');
export const PESTER_VERSION = pin('PESTER_VERSION');

const toolsDir = join(REPO_ROOT, '.tools');
const pwshPath = join(toolsDir, 'pwsh/pwsh');
const pesterManifest = join(toolsDir, 'Modules/Pester', PESTER_VERSION, 'Pester.psd1');
const install = 'bash scripts/install-powershell.sh';

function unavailableReason(): string | undefined {
    const file = join(toolsDir, 'powershell.UNAVAILABLE');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** The pinned pwsh that scripts/install-powershell.sh installs (the static checks need no Pester). */
export const PWSH: RequiredTool = {
    name: `pwsh ${PWSH_VERSION}`,
    path: existsSync(pwshPath) ? pwshPath : null,
    missingBecause: unavailableReason(),
    install,
};

/** The pinned pwsh with the pinned Pester, both from scripts/install-powershell.sh. */
export const PWSH_WITH_PESTER: RequiredTool = {
    name: `pwsh ${PWSH_VERSION} with Pester ${PESTER_VERSION}`,
    path: existsSync(pwshPath) && existsSync(pesterManifest) ? pwshPath : null,
    missingBecause: unavailableReason(),
    install,
};
