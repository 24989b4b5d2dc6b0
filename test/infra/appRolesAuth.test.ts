/**
 * Issue 13 item 9: `AUTH_MODE=appRoles` must never be deployed without App Service Authentication, because the
 * app then trusts any `x-ms-client-principal` header. Evaluated on the compiled ARM JSON (the template azd
 * deploys) with the parameters a deployment would get: the decision depends on parameters only, so it is what
 * ARM decides before it touches Azure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect } from 'vitest';

import { itWithTool } from '../support/requiredTool';
import { ArmDeploymentFailure, evaluate } from './armExpression';
import { BICEP, buildMainTemplate, isRecord, REPO_ROOT } from './armTemplate';

let main: Record<string, unknown> = {};
const out = mkdtempSync(join(tmpdir(), 'approles-arm-'));
beforeAll(() => {
    if (BICEP.path === null) return;
    main = buildMainTemplate(BICEP.path, out);
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function record(value: unknown, what: string): Record<string, unknown> {
    if (!isRecord(value)) throw new Error(`${what} is not an object`);
    return value;
}

/** The Function App module deployment of main.bicep. */
function functionModule(): Record<string, unknown> {
    const resources = Object.values(record(main.resources, 'resources'));
    const found = resources.find(
        (r) => isRecord(r) && r.type === 'Microsoft.Resources/deployments' && r.name === 'function',
    );
    return record(found, 'the function module');
}

/** What main.bicep passes to the module as authClientId, for these deployment parameters (or the failure). */
function clientIdPassed(authMode: string, authClientId: string): string | ArmDeploymentFailure {
    const params = record(record(functionModule().properties, 'properties').parameters, 'parameters');
    const scope = { parameters: { authMode, authClientId }, variables: record(main.variables, 'variables') };
    try {
        return String(evaluate(record(params.authClientId, 'authClientId').value, scope));
    } catch (e) {
        if (e instanceof ArmDeploymentFailure) return e;
        throw e;
    }
}

/** Whether the module deploys authsettingsV2 for these module parameters (or the failure). */
function authSettingsDeployed(authMode: string, authClientId: string): boolean | ArmDeploymentFailure {
    const template = record(record(functionModule().properties, 'properties').template, 'module template');
    const authSettings = Object.values(record(template.resources, 'module resources')).find(
        (r) =>
            isRecord(r) &&
            r.type === 'Microsoft.Web/sites/config' &&
            r.name === "[format('{0}/{1}', parameters('name'), 'authsettingsV2')]",
    );
    const resource = record(authSettings, 'the authsettingsV2 resource');
    const scope = { parameters: { authMode, authClientId }, variables: record(template.variables, 'variables') };
    try {
        return resource.condition === undefined ? true : evaluate(resource.condition, scope) === true;
    } catch (e) {
        if (e instanceof ArmDeploymentFailure) return e;
        throw e;
    }
}

describe('appRoles needs App Service Authentication (compiled ARM JSON)', () => {
    itWithTool(BICEP, 'main.bicep refuses appRoles without authClientId, with a message naming the fix', () => {
        const refused = clientIdPassed('appRoles', '');
        expect(refused).toBeInstanceOf(ArmDeploymentFailure);
        expect(String(refused)).toMatch(/authClientId.*AUTH_CLIENT_ID/);
        expect(clientIdPassed('appRoles', '11111111-2222-3333-4444-555555555555')).toBe(
            '11111111-2222-3333-4444-555555555555',
        );
        expect(clientIdPassed('functionKeys', '')).toBe('');
    });

    itWithTool(
        BICEP,
        'function.bicep deploys authsettingsV2 whenever authMode is appRoles, and fails without a client id',
        () => {
            expect(authSettingsDeployed('appRoles', '11111111-2222-3333-4444-555555555555')).toBe(true);
            expect(authSettingsDeployed('appRoles', '')).toBeInstanceOf(ArmDeploymentFailure);
            expect(authSettingsDeployed('functionKeys', '')).toBe(false);
            expect(authSettingsDeployed('functionKeys', '11111111-2222-3333-4444-555555555555')).toBe(false);
        },
    );

    itWithTool(BICEP, 'authsettingsV2 turns authentication on and returns 401 to anonymous callers', () => {
        const template = record(record(functionModule().properties, 'properties').template, 'module template');
        const authSettings = Object.values(record(template.resources, 'module resources')).find(
            (r) => isRecord(r) && r.type === 'Microsoft.Web/sites/config' && String(r.name).includes('authsettingsV2'),
        );
        expect(record(authSettings, 'authsettingsV2').properties).toMatchObject({
            platform: { enabled: true },
            globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
        });
    });
});

describe('main.parameters.json (azd)', () => {
    itWithTool(
        BICEP,
        'maps AUTH_CLIENT_ID to authClientId, so `azd env set AUTH_CLIENT_ID` reaches the deployment',
        () => {
            const text = readFileSync(join(REPO_ROOT, 'infra', 'main.parameters.json'), 'utf8');
            const parameters = record(
                record(JSON.parse(text) as unknown, 'main.parameters.json').parameters,
                'parameters',
            );
            expect(parameters.authClientId).toEqual({ value: '${AUTH_CLIENT_ID=}' });
            expect(Object.keys(record(main.parameters, 'main parameters'))).toContain('authClientId');
        },
    );
});
