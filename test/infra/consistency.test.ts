import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { loadConfig } from '../../src/config/loadConfig';
import { SETTINGS } from '../../src/config/settings';
import { itWithTool } from '../support/requiredTool';
import { type ArmResource, armResources, at, BICEP, buildMainTemplate, isRecord, ofType, theOne } from './armTemplate';
import {
    allowedValues,
    codeOnly,
    INFRA_DIR,
    infraFiles,
    literal,
    modules,
    objectEntries,
    outputs,
    params,
    readInfra,
    REPO_ROOT,
    resources,
    varExpression,
    varObject,
    varString,
} from './bicepText';
import { type BindingFacts, captureFunctionBindings } from './functionBindings';
import { BUILT_IN_ROLES } from './roleTable';

const main = readInfra('main.bicep');
const functionBicep = readInfra('app/function.bicep');
const serviceBusBicep = readInfra('app/serviceBus.bicep');
const storageBicep = readInfra('app/storage.bicep');
const rbacBicep = readInfra('app/rbac.bicep');
const appSettings = varObject(functionBicep, 'appSettings');
const bicepFiles = infraFiles((name) => name.endsWith('.bicep'));

/**
 * infra/main.bicep compiled by the Bicep CLI, once for this file, into os.tmpdir(): the exact template azd deploys.
 * Tests that read it use itWithTool, so without the CLI they fail under CI and skip loudly elsewhere.
 */
let template: Record<string, unknown> = {};
let arm: ArmResource[] = [];
const armOut = mkdtempSync(join(tmpdir(), 'consistency-arm-'));
beforeAll(() => {
    if (BICEP.path === null) return;
    template = buildMainTemplate(BICEP.path, armOut);
    arm = armResources(template);
}, 180_000);
afterAll(() => rmSync(armOut, { recursive: true, force: true }));

const INFRA_SETTINGS = SETTINGS.filter((s) => s.setByInfra).map((s) => s.name);
/** main.bicep variables holding the resource names the code also defaults to. */
const NAME_VARS: Readonly<Record<string, string>> = {
    CHANGE_QUEUE_NAME: 'changeQueueName',
    CONTROL_QUEUE_NAME: 'controlQueueName',
    INVALID_CHANGE_QUEUE_NAME: 'invalidChangeQueueName',
    STATE_TABLE_NAME: 'stateTableName',
    REQUEST_TABLE_NAME: 'requestTableName',
};

function resource(text: string, symbol: string) {
    const found = resources(text).find((r) => r.symbol === symbol);
    if (found === undefined) throw new Error(`resource ${symbol} not found`);
    return found;
}

function param(text: string, name: string) {
    const found = params(text).find((p) => p.name === name);
    if (found === undefined) throw new Error(`param ${name} not found`);
    return found;
}

function parseJson<T>(schema: z.ZodType<T>, relativePath: string): T {
    return schema.parse(JSON.parse(readInfra(relativePath)));
}

function moduleOf(symbol: string) {
    const found = modules(main).find((m) => m.symbol === symbol);
    if (found === undefined) throw new Error(`module ${symbol} not found in main.bicep`);
    return found;
}

/** The value main.bicep passes to a module parameter. */
function moduleArg(moduleSymbol: string, param: string): string {
    const m = moduleOf(moduleSymbol);
    const paramsAt = codeOnly(m.body).search(/\bparams\s*:\s*\{/);
    const value = objectEntries(m.body.slice(m.body.indexOf('{', paramsAt))).get(param);
    if (value === undefined) throw new Error(`main.bicep does not pass ${param} to module ${moduleSymbol}`);
    return value;
}

/** An environment with what infra sets, expressions replaced by values of the shape Azure gives them. */
function infraEnvironment(authMode: string): Record<string, string> {
    const createdTarget = varObject(main, 'createdTarget');
    const targetSamples: Record<string, string> = {
        id: 'connect-01',
        subscriptionId: '11111111-2222-3333-4444-555555555555',
        resourceGroup: 'rg-prod',
        automationAccount: 'aa-abcdefghijklm',
        runbook: varString(main, 'runbookName'),
        hybridWorkerGroup: 'entra-connect',
    };
    const target = Object.fromEntries([...createdTarget.keys()].map((k) => [k, targetSamples[k] ?? `unknown-${k}`]));
    const byExpression: Record<string, string> = {
        storageAccountName: 'stabcdefghijklm',
        tableServiceUri: 'https://stabcdefghijklm.table.core.windows.net',
        identityClientId: '99999999-8888-7777-6666-555555555555',
        serviceBusFullyQualifiedNamespace: 'sb-abcdefghijklm.servicebus.windows.net',
        changeQueueName: varString(main, 'changeQueueName'),
        controlQueueName: varString(main, 'controlQueueName'),
        invalidChangeQueueName: varString(main, 'invalidChangeQueueName'),
        stateTableName: varString(main, 'stateTableName'),
        requestTableName: varString(main, 'requestTableName'),
        'string(syncTargets)': JSON.stringify([target]),
        'string(syncRouting)': JSON.stringify({ rules: [] }),
        'appInsights.properties.ConnectionString':
            'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
        workbookUrl: 'https://portal.azure.com/#@tenant/resource/subscriptions/x/workbook',
        'environment().portal': 'https://portal.azure.com',
        'tenant().tenantId': '12345678-aaaa-bbbb-cccc-1234567890ab',
        'appInsights.id':
            '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-prod/providers/Microsoft.Insights/components/appi-abcdefghijklm',
        authMode,
        entraConfirmation: 'off',
    };
    // What App Service adds on its own: the app's names always, WEBSITE_AUTH_ENABLED=True when authsettingsV2 is
    // on, which infra deploys exactly when authMode is appRoles (test/infra/appRolesAuth.test.ts).
    const env: Record<string, string> = {
        WEBSITE_SITE_NAME: 'func-abcdefghijklm',
        WEBSITE_HOSTNAME: 'func-abcdefghijklm.azurewebsites.net',
        ...(authMode === 'appRoles' ? { WEBSITE_AUTH_ENABLED: 'True' } : {}),
    };
    for (const [name, value] of appSettings) {
        const lit = literal(value);
        env[name] = lit ?? byExpression[value] ?? (value.startsWith("'") ? value.slice(1, -1) : `<${value}>`);
    }
    return env;
}

describe('app settings: infra and src/config/settings.ts agree', () => {
    it.each(INFRA_SETTINGS)('infra sets %s (setByInfra)', (name) => {
        expect([...appSettings.keys()]).toContain(name);
    });

    it('sets only registered settings, and none the Flex platform owns', () => {
        const registered = new Set<string>(SETTINGS.map((s) => s.name));
        const unknown = [...appSettings.keys()].filter((k) => !registered.has(k));
        expect(unknown).toEqual([]);
        for (const platformOwned of [
            'FUNCTIONS_WORKER_RUNTIME',
            'FUNCTIONS_EXTENSION_VERSION',
            'AzureWebJobsStorage',
        ]) {
            expect(appSettings.has(platformOwned)).toBe(false);
        }
    });

    it('marks every setting it sets as setByInfra, so the docs say so', () => {
        const notMarked = [...appSettings.keys()].filter((k) => !INFRA_SETTINGS.includes(k));
        expect(notMarked).toEqual([]);
    });

    it('leaves only settings with a documented default, or optional ones, to the code', () => {
        const undocumented = SETTINGS.filter((s) => !s.setByInfra && s.default === undefined && s.required);
        expect(undocumented.map((s) => s.name)).toEqual([]);
        for (const s of SETTINGS) expect(s.description.length, s.name).toBeGreaterThan(10);
    });

    const authModes = allowedValues(param(functionBicep, 'authMode')) ?? [];
    it.each(authModes)('what infra sets loads with loadConfig (authMode %s)', (authMode) => {
        const config = loadConfig(infraEnvironment(authMode));
        expect(config.automation.mode).toBe('azure');
        expect(config.storage).toEqual({
            kind: 'identity',
            tableServiceUri: 'https://stabcdefghijklm.table.core.windows.net',
            clientId: '99999999-8888-7777-6666-555555555555',
        });
        expect(config.targets.size).toBe(1);
        expect(config.http.authMode).toBe(authMode);
    });

    it('offers the same AUTH_MODE choices in main.bicep and function.bicep', () => {
        const inMain = allowedValues(param(main, 'authMode'));
        expect(inMain).toEqual(authModes);
        expect(authModes.length).toBeGreaterThan(0);
    });

    it('uses identity-based connections with the user-assigned identity', () => {
        expect(literal(appSettings.get('AzureWebJobsStorage__credential') ?? '')).toBe('managedidentity');
        expect(literal(appSettings.get('ServiceBusConnection__credential') ?? '')).toBe('managedidentity');
        expect(appSettings.get('AzureWebJobsStorage__clientId')).toBe('identityClientId');
        expect(appSettings.get('ServiceBusConnection__clientId')).toBe('identityClientId');
        expect(appSettings.get('AZURE_CLIENT_ID')).toBe('identityClientId');
        expect(appSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
            "'Authorization=AAD;ClientId=${identityClientId}'",
        );
        expect(literal(appSettings.get('AUTOMATION_MODE') ?? '')).toBe('azure');
    });

    it.each(Object.entries(NAME_VARS))('%s: main.bicep creates the name the code defaults to', (setting, varName) => {
        const spec = SETTINGS.find((s) => s.name === setting);
        expect(varString(main, varName)).toBe(spec?.default);
    });

    it('passes the queue names through to the queues and the settings', () => {
        expect(moduleArg('serviceBus', 'changeQueueName')).toBe('changeQueueName');
        expect(moduleArg('serviceBus', 'controlQueueName')).toBe('controlQueueName');
        expect(moduleArg('serviceBus', 'invalidChangeQueueName')).toBe('invalidChangeQueueName');
        expect(moduleArg('functionApp', 'invalidChangeQueueName')).toBe('serviceBus.outputs.invalidChangeQueueName');
        expect(moduleArg('rbac', 'invalidChangeQueueName')).toBe('serviceBus.outputs.invalidChangeQueueName');
        expect(resource(serviceBusBicep, 'invalidChangeQueue').body).toMatch(/name: invalidChangeQueueName\n/);
        expect(appSettings.get('INVALID_CHANGE_QUEUE_NAME')).toBe('invalidChangeQueueName');
        expect(moduleArg('functionApp', 'changeQueueName')).toBe('serviceBus.outputs.changeQueueName');
        expect(moduleArg('functionApp', 'controlQueueName')).toBe('serviceBus.outputs.controlQueueName');
        expect(resource(serviceBusBicep, 'changeQueue').body).toMatch(/name: changeQueueName\n/);
        expect(resource(serviceBusBicep, 'controlQueue').body).toMatch(/name: controlQueueName\n/);
        expect(appSettings.get('CHANGE_QUEUE_NAME')).toBe('changeQueueName');
        expect(appSettings.get('CONTROL_QUEUE_NAME')).toBe('controlQueueName');
    });

    it('passes the table names through to the tables and the settings', () => {
        expect(moduleArg('storage', 'tableNames')).toBe('[stateTableName, requestTableName]');
        // A loop count must be known when the deployment starts: never a module output.
        expect(moduleArg('rbac', 'tableNames')).toBe('[stateTableName, requestTableName]');
        expect(resource(storageBicep, 'stateTables').body).toMatch(/for tableName in tableNames/);
        expect(moduleArg('functionApp', 'stateTableName')).toBe('stateTableName');
        expect(moduleArg('functionApp', 'requestTableName')).toBe('requestTableName');
        expect(appSettings.get('STATE_TABLE_NAME')).toBe('stateTableName');
        expect(appSettings.get('REQUEST_TABLE_NAME')).toBe('requestTableName');
    });
});

describe('function bindings exist in infra (captured registration metadata)', () => {
    let bindings: BindingFacts;
    beforeAll(async () => {
        bindings = await captureFunctionBindings();
    });
    const queuesCreated = new Map([
        [varString(main, 'changeQueueName'), 'CHANGE_QUEUE_NAME'],
        [varString(main, 'controlQueueName'), 'CONTROL_QUEUE_NAME'],
        [varString(main, 'invalidChangeQueueName'), 'INVALID_CHANGE_QUEUE_NAME'],
    ]);

    it('captured every function file, including the Service Bus triggers', () => {
        expect(bindings.functions.length).toBeGreaterThanOrEqual(bindings.files.length);
        expect(bindings.bindingTypes.has('serviceBusTrigger')).toBe(true);
        expect(bindings.queueNames.size).toBeGreaterThanOrEqual(2);
    });

    it('every connection prefix a binding uses is an identity-based connection set by infra', () => {
        // The host itself always needs AzureWebJobsStorage (keys, timer schedules, locks).
        for (const prefix of new Set([...bindings.connections, 'AzureWebJobsStorage'])) {
            expect(literal(appSettings.get(`${prefix}__credential`) ?? ''), prefix).toBe('managedidentity');
            expect(appSettings.has(`${prefix}__clientId`), prefix).toBe(true);
            const target = ['__fullyQualifiedNamespace', '__accountName', '__serviceUri', '__tableServiceUri'];
            expect(
                target.some((suffix) => appSettings.has(`${prefix}${suffix}`)),
                prefix,
            ).toBe(true);
        }
    });

    it('every queue a binding reads is created by infra (directly or through its %SETTING%)', () => {
        for (const queueName of bindings.queueNames) {
            const setting = /^%([A-Za-z0-9_]+)%$/.exec(queueName)?.[1];
            if (setting === undefined) {
                expect([...queuesCreated.keys()], queueName).toContain(queueName);
                continue;
            }
            expect([...queuesCreated.values()], queueName).toContain(setting);
            expect(appSettings.has(setting), setting).toBe(true);
        }
    });

    it('every table a binding names is created by infra', () => {
        const tables = [varString(main, 'stateTableName'), varString(main, 'requestTableName')];
        for (const table of bindings.tableNames) {
            const setting = /^%([A-Za-z0-9_]+)%$/.exec(table)?.[1];
            if (setting === undefined) expect(tables).toContain(table);
            else expect(['STATE_TABLE_NAME', 'REQUEST_TABLE_NAME']).toContain(setting);
        }
    });

    it('uses no trigger that would need a Storage Queue role (blob, queue, Durable)', () => {
        for (const type of bindings.bindingTypes) {
            expect([
                'blobTrigger',
                'queueTrigger',
                'orchestrationTrigger',
                'activityTrigger',
                'entityTrigger',
            ]).not.toContain(type);
        }
    });
});

describe('role assignments: least privilege, commented GUIDs', () => {
    const guidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

    it('every GUID in the Bicep is a built-in role commented with its name', () => {
        let seen = 0;
        for (const file of bicepFiles) {
            file.text.split('\n').forEach((line, i) => {
                for (const m of line.matchAll(guidPattern)) {
                    seen++;
                    const comment = /\/\/\s*(.+?)\s*$/.exec(line)?.[1];
                    const where = `${file.relativePath}:${i + 1}`;
                    expect(comment, `${where} has no role-name comment`).toBeDefined();
                    expect(BUILT_IN_ROLES[comment ?? ''], `${where}: "${comment}" is not a known role`).toBe(
                        m[0].toLowerCase(),
                    );
                }
            });
        }
        expect(seen).toBeGreaterThanOrEqual(6);
    });

    /**
     * One role assignment as the compiled template states it: the type of the resource it is scoped to (and that
     * resource's last name argument, e.g. the queue parameter), the role (a key of rbac.bicep's roleIds) and the
     * principal parameter; and whether its name is guid(that scope, that principal, that role).
     */
    function describeAssignment(r: ArmResource) {
        const scope = typeof r.raw.scope === 'string' ? r.raw.scope : '';
        const scopeInner = /^\[(resourceId\(.*\))\]$/.exec(scope)?.[1] ?? '?';
        const principalInner = /^\[(parameters\('\w+'\)(?:\[copyIndex\(\)\])?)\]$/.exec(
            String(r.properties.principalId),
        )?.[1];
        const role =
            /^\[subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', variables\('roleIds'\)\.(\w+)\)\]$/.exec(
                String(r.properties.roleDefinitionId),
            )?.[1];
        return {
            symbol: r.symbol ?? '?',
            scopeType: /^resourceId\('([^']+)'/.exec(scopeInner)?.[1] ?? '?',
            scopeTarget: /parameters\('(\w+)'\)[^,]*\)$/.exec(scopeInner)?.[1] ?? '?',
            role: role ?? '?',
            principal: /parameters\('(\w+)'\)/.exec(principalInner ?? '')?.[1] ?? '?',
            nameIsGuidOfThese:
                r.name === `[guid(${scopeInner}, ${principalInner ?? '?'}, variables('roleIds').${role ?? '?'})]`,
        };
    }
    const assignments = () => ofType(arm, 'Microsoft.Authorization/roleAssignments').map(describeAssignment);

    itWithTool(
        BICEP,
        'names each assignment guid(scope.id, principalId, roleId) with the scope, principal and role it grants',
        () => {
            const roleIds = [...varObject(rbacBicep, 'roleIds').keys()];
            expect(assignments().length).toBeGreaterThan(0);
            for (const a of assignments()) {
                expect(a.nameIsGuidOfThese, a.symbol).toBe(true);
                expect(roleIds, a.symbol).toContain(a.role);
                expect(a.scopeType, `${a.symbol} must be scoped to a resource`).not.toBe('?');
            }
        },
    );

    itWithTool(BICEP, 'grants the Function App identity exactly the roles it needs, each on its one resource', () => {
        const app = assignments().filter((a) => a.principal === 'appPrincipalId');
        expect(app.map((a) => `${a.role} on ${a.scopeType}`).sort()).toEqual(
            [
                'automationJobOperator on Microsoft.Automation/automationAccounts',
                'automationRunbookOperator on Microsoft.Automation/automationAccounts/runbooks',
                'serviceBusDataReceiver on Microsoft.ServiceBus/namespaces/queues',
                'serviceBusDataReceiver on Microsoft.ServiceBus/namespaces/queues',
                'serviceBusDataReceiver on Microsoft.ServiceBus/namespaces/queues',
                'serviceBusDataSender on Microsoft.ServiceBus/namespaces/queues',
                'serviceBusDataSender on Microsoft.ServiceBus/namespaces/queues',
                'storageBlobDataOwner on Microsoft.Storage/storageAccounts',
                'storageTableDataContributor on Microsoft.Storage/storageAccounts/tableServices/tables',
                'monitoringMetricsPublisher on Microsoft.Insights/components',
            ].sort(),
        );
        const queues = (role: string) =>
            app
                .filter((a) => a.role === role)
                .map((a) => a.scopeTarget)
                .sort();
        expect(queues('serviceBusDataSender')).toEqual(['controlQueueName', 'invalidChangeQueueName']);
        expect(queues('serviceBusDataReceiver')).toEqual([
            'changeQueueName',
            'controlQueueName',
            'invalidChangeQueueName',
        ]);
    });

    itWithTool(BICEP, 'gives producers Data Sender on the change queue only', () => {
        const producers = assignments().filter((a) => a.principal === 'changeQueueSenderPrincipalIds');
        expect(producers).toHaveLength(1);
        expect(producers[0]).toMatchObject({
            scopeType: 'Microsoft.ServiceBus/namespaces/queues',
            scopeTarget: 'changeQueueName',
            role: 'serviceBusDataSender',
        });
    });

    itWithTool(BICEP, 'assigns no role at resource group or subscription scope', () => {
        // An assignment without a resource scope would land on the deployment's resource group.
        expect(assignments().length).toBeGreaterThan(10);
        for (const a of assignments()) expect(a.scopeType, a.symbol).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z]+/);
    });
});

describe('no secrets in infra', () => {
    const scanned = [
        ...infraFiles((name) => /\.(bicep|json|sh|ps1)$/.test(name) && !name.endsWith('.test.ps1')),
        ...['azure.yaml', '.github/workflows/ci.yml', '.github/workflows/deploy.yml']
            .filter((p) => existsSync(join(REPO_ROOT, p)))
            .map((p) => ({
                path: join(REPO_ROOT, p),
                relativePath: p,
                text: readFileSync(join(REPO_ROOT, p), 'utf8'),
            })),
    ];
    const forbidden: [string, RegExp][] = [
        ['listKeys(', /listKeys\s*\(/i],
        ['list*ConnectionStrings(', /list\w*ConnectionStrings?\s*\(/i],
        ['connectionString', /connectionString/],
        ['AccountKey=', /AccountKey=/i],
        ['SharedAccessKey', /SharedAccessKey/i],
        ['client secret', /client[-_]?secret/i],
    ];

    it.each(forbidden)('no %s anywhere in infra, azure.yaml or the workflows', (_label, pattern) => {
        const hits = scanned.filter((f) => pattern.test(f.text)).map((f) => f.relativePath);
        expect(hits).toEqual([]);
    });

    it('reads a ConnectionString property only from Application Insights (not a secret: local auth is off)', () => {
        for (const file of bicepFiles) {
            const components = new Set(
                resources(file.text)
                    .filter((r) => r.type === 'Microsoft.Insights/components')
                    .map((r) => r.symbol),
            );
            for (const m of file.text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\.properties\.ConnectionString/g)) {
                expect(components.has(m[1] ?? ''), `${file.relativePath}: ${m[0]}`).toBe(true);
            }
            expect(file.text.replace(/[A-Za-z_]+\.properties\.ConnectionString/g, '')).not.toMatch(/ConnectionString/);
        }
    });

    it('scanned the infra it claims to', () => {
        expect(scanned.map((f) => f.relativePath)).toEqual(
            expect.arrayContaining(['infra/main.bicep', 'infra/app/function.bicep', 'infra/hooks/postprovision.sh']),
        );
    });
});

describe('local auth off, TLS and public access (compiled ARM JSON)', () => {
    itWithTool(BICEP, 'storage: shared key off, no public blobs, TLS 1.2, HTTPS only', () => {
        expect(theOne(arm, 'Microsoft.Storage/storageAccounts').properties).toMatchObject({
            allowSharedKeyAccess: false,
            allowBlobPublicAccess: false,
            minimumTlsVersion: 'TLS1_2',
            supportsHttpsTrafficOnly: true,
        });
        const container = theOne(arm, 'Microsoft.Storage/storageAccounts/blobServices/containers');
        expect(container.properties.publicAccess).toBe('None');
    });

    itWithTool(BICEP, 'Service Bus, Automation, Application Insights and Log Analytics: local auth off', () => {
        expect(theOne(arm, 'Microsoft.ServiceBus/namespaces').properties).toMatchObject({
            disableLocalAuth: true,
            minimumTlsVersion: '1.2',
        });
        expect(theOne(arm, 'Microsoft.Automation/automationAccounts').properties.disableLocalAuth).toBe(true);
        expect(theOne(arm, 'Microsoft.Insights/components').properties.DisableLocalAuth).toBe(true);
        expect(theOne(arm, 'Microsoft.OperationalInsights/workspaces').properties.features).toMatchObject({
            disableLocalAuth: true,
        });
    });

    itWithTool(BICEP, 'Automation account has no identity (the runbook only acts on the Connect server)', () => {
        expect(theOne(arm, 'Microsoft.Automation/automationAccounts').identity).toBeNull();
    });

    itWithTool(BICEP, 'Function App: HTTPS only, no FTP, no basic publishing credentials', () => {
        const site = theOne(arm, 'Microsoft.Web/sites');
        expect(site.properties.httpsOnly).toBe(true);
        expect(at(site.properties, 'siteConfig.ftpsState')).toBe('Disabled');
        const policies = ofType(arm, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
        expect(policies.map((p) => /'(ftp|scm)'\)\]$/.exec(p.name)?.[1]).sort()).toEqual(['ftp', 'scm']);
        for (const policy of policies) expect(policy.properties.allow, policy.name).toBe(false);
    });

    itWithTool(BICEP, 'change queue dead-letters after maxDeliveryCount and on expiry; control queue too', () => {
        const change = theOne(arm, 'Microsoft.ServiceBus/namespaces/queues', "parameters('changeQueueName')");
        expect(change.properties).toMatchObject({
            maxDeliveryCount: "[parameters('changeQueueMaxDeliveryCount')]",
            deadLetteringOnMessageExpiration: true,
            lockDuration: "[parameters('changeQueueLockDuration')]",
            requiresSession: false,
        });
        const control = theOne(arm, 'Microsoft.ServiceBus/namespaces/queues', "parameters('controlQueueName')");
        expect(control.properties.deadLetteringOnMessageExpiration).toBe(true);
        expect(control.properties.maxDeliveryCount).toEqual(expect.any(Number));
    });
});

describe('resource names', () => {
    const abbreviations = parseJson(z.record(z.string(), z.string()), 'abbreviations.json');
    // uniqueString() gives 13 lowercase letters and digits.
    const token = 'a1b2c3d4e5f6g';
    function nameOf(expression: string): string {
        const lit = /^'(.*)'$/.exec(expression)?.[1];
        if (lit === undefined) throw new Error(`not an interpolated string: ${expression}`);
        return lit.replace(/\$\{([^}]+)\}/g, (_m, inner: string) => {
            if (inner === 'resourceToken') return token;
            const abbr = /^abbrs\.(\w+)$/.exec(inner)?.[1];
            const value = abbr === undefined ? undefined : abbreviations[abbr];
            if (value === undefined) throw new Error(`unknown name part ${inner}`);
            return value;
        });
    }

    it('are valid for their resource types', () => {
        expect(nameOf(moduleArg('storage', 'name'))).toMatch(/^[a-z0-9]{3,24}$/);
        expect(nameOf(moduleArg('serviceBus', 'name'))).toMatch(/^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/);
        expect(nameOf(moduleArg('identity', 'name'))).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/);
        expect(nameOf(varExpression(main, 'functionAppName'))).toMatch(/^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$/);
        expect(nameOf(varExpression(main, 'deploymentContainerName'))).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    });

    it('the Automation account name is one SYNC_TARGETS accepts', () => {
        const account = nameOf(moduleArg('automation', 'name'));
        const env = { ...infraEnvironment('functionKeys') };
        const targets: unknown = JSON.parse(env.SYNC_TARGETS ?? '[]');
        env.SYNC_TARGETS = JSON.stringify(
            z
                .array(z.record(z.string(), z.unknown()))
                .parse(targets)
                .map((t) => ({ ...t, automationAccount: account })),
        );
        expect(loadConfig(env).targets.get('connect-01')?.automationAccount).toBe(account);
    });
});

describe('Flex Consumption app (compiled ARM JSON)', () => {
    itWithTool(
        BICEP,
        'runs on an FC1 plan, Node 22, deployed from the blob container with the user-assigned identity',
        () => {
            expect(theOne(arm, 'Microsoft.Web/serverfarms').sku).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
            const site = theOne(arm, 'Microsoft.Web/sites');
            expect(site.kind).toBe('functionapp,linux');
            expect(at(site.properties, 'functionAppConfig.runtime')).toEqual({ name: 'node', version: '22' });
            expect(at(site.properties, 'functionAppConfig.deployment.storage')).toMatchObject({
                type: 'blobContainer',
                authentication: {
                    type: 'UserAssignedIdentity',
                    userAssignedIdentityResourceId: "[parameters('identityResourceId')]",
                },
            });
            expect(at(site.properties, 'functionAppConfig.scaleAndConcurrency.maximumInstanceCount')).toBe(
                "[parameters('maximumInstanceCount')]",
            );
            expect(site.identity?.type).toBe('UserAssigned');
            expect(String(at(site.raw, 'tags'))).toContain("'azd-service-name', parameters('serviceName')");
            expect(moduleArg('functionApp', 'serviceName')).toBe("'api'");
        },
    );
});

describe('Bicep structure and conventions', () => {
    it.each(bicepFiles.map((f) => [f.relativePath, f.text] as const))(
        '%s: every param has a Required./Optional./Conditional. description that matches its default',
        (_p, text) => {
            for (const p of params(text)) {
                expect(p.description, p.name).toMatch(/^(Required|Optional|Conditional)\. \S/);
                if (p.description?.startsWith('Required.')) expect(p.hasDefault, `${p.name} is Required`).toBe(false);
                if (p.description?.startsWith('Optional.')) {
                    expect(p.hasDefault || p.nullable, `${p.name} is Optional`).toBe(true);
                }
            }
            for (const o of outputs(text)) expect(o.description, o.name).not.toBeNull();
        },
    );

    itWithTool(BICEP, 'main.bicep outputs are UPPER_SNAKE (azd lifts them into the environment)', () => {
        const names = isRecord(template.outputs) ? Object.keys(template.outputs) : [];
        expect(names.length).toBeGreaterThan(5);
        for (const name of names) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
        expect(names).toEqual(expect.arrayContaining(['AZURE_RESOURCE_GROUP', 'AUTOMATION_ACCOUNT_NAME']));
    });

    // Module wiring (files exist, parameters declared and given, outputs exist), loop counts known at the start,
    // loaded files present and unused parameters are what the Bicep CLI checks: errors such as BCP035, BCP037,
    // BCP053, BCP091 and BCP178, and the linter rules bicepconfig.json sets (asserted below), all of which fail
    // scripts/check-bicep.sh (test/infra/bicepCli.test.ts). The hand-written text checks of them are gone.

    // The newest GA version the pinned Bicep CLI (0.49.2) knows for each type: use-recent-api-versions always
    // accepts the newest, so the build stays clean as the calendar moves (an older one is flagged after 730 days).
    const API_VERSIONS: Readonly<Record<string, string>> = {
        'Microsoft.Resources/resourceGroups': '2025-04-01',
        'Microsoft.ManagedIdentity/userAssignedIdentities': '2024-11-30',
        'Microsoft.Web/serverfarms': '2025-03-01',
        'Microsoft.Web/sites': '2025-03-01',
        'Microsoft.Web/sites/config': '2025-03-01',
        'Microsoft.Web/sites/basicPublishingCredentialsPolicies': '2025-03-01',
        'Microsoft.Storage/storageAccounts': '2026-09-01',
        'Microsoft.Storage/storageAccounts/tableServices/tables': '2026-09-01',
        'Microsoft.ServiceBus/namespaces': '2026-01-01',
        'Microsoft.ServiceBus/namespaces/queues': '2026-01-01',
        'Microsoft.Automation/automationAccounts': '2024-10-23',
        'Microsoft.Automation/automationAccounts/runbooks': '2024-10-23',
        'Microsoft.Automation/automationAccounts/hybridRunbookWorkerGroups': '2024-10-23',
        'Microsoft.Automation/automationAccounts/hybridRunbookWorkerGroups/hybridRunbookWorkers': '2024-10-23',
        'Microsoft.HybridCompute/machines/extensions': '2026-09-01',
        'Microsoft.OperationalInsights/workspaces': '2026-03-01',
        'Microsoft.Insights/components': '2020-02-02',
        'Microsoft.Insights/workbooks': '2023-06-01',
        'Microsoft.Insights/scheduledQueryRules': '2026-03-01',
        'Microsoft.Insights/metricAlerts': '2026-01-01',
        'Microsoft.Authorization/roleAssignments': '2022-04-01',
    };

    itWithTool(BICEP, 'uses one API version per type, the ones listed here (compiled ARM JSON)', () => {
        const versions = new Map<string, Set<string>>();
        for (const r of arm.filter((x) => x.type !== 'Microsoft.Resources/deployments')) {
            versions.set(r.type, (versions.get(r.type) ?? new Set()).add(r.apiVersion));
        }
        for (const [type, set] of versions) expect([...set], type).toHaveLength(1);
        for (const [type, version] of Object.entries(API_VERSIONS))
            expect([...(versions.get(type) ?? [])], type).toEqual([version]);
    });

    it('main.parameters.json feeds azd variables into declared parameters, and every required one', () => {
        const parameterFile = parseJson(
            z.object({ parameters: z.record(z.string(), z.unknown()) }),
            'main.parameters.json',
        );
        const text = readInfra('main.parameters.json');
        for (const variable of ['${AZURE_ENV_NAME}', '${AZURE_LOCATION}', '${AZURE_PRINCIPAL_ID}']) {
            expect(text).toContain(variable);
        }
        const declared = params(main);
        for (const key of Object.keys(parameterFile.parameters)) expect(declared.map((p) => p.name)).toContain(key);
        for (const p of declared.filter((d) => !d.hasDefault))
            expect(Object.keys(parameterFile.parameters)).toContain(p.name);
    });

    it('bicepconfig.json turns on the linter with the AVM rules', () => {
        const config = parseJson(
            z.object({
                analyzers: z.object({
                    core: z.object({
                        enabled: z.boolean(),
                        rules: z.record(z.string(), z.object({ level: z.string() })),
                    }),
                }),
            }),
            'bicepconfig.json',
        );
        expect(config.analyzers.core.enabled).toBe(true);
        for (const rule of [
            'use-recent-api-versions',
            'no-unused-params',
            'no-unused-vars',
            'no-hardcoded-env-urls',
            'no-unused-existing-resources',
        ]) {
            expect(config.analyzers.core.rules[rule]?.level, rule).toMatch(/warning|error/);
        }
    });

    it('hard-codes no cloud host names (no-hardcoded-env-urls)', () => {
        for (const file of bicepFiles) {
            expect(codeOnly(file.text), file.relativePath).not.toMatch(/core\.windows\.net|management\.azure\.com/);
            expect(file.text, file.relativePath).not.toMatch(/'[^'\n]*(core\.windows\.net|management\.azure\.com)/);
        }
    });
});

describe('runbook, workbook and alerts the Bicep loads', () => {
    it('the runbook the Automation account runs is in infra/runbooks', () => {
        const runbookName = varString(main, 'runbookName');
        expect(runbookName).toBe('Start-EntraSyncCycle');
        expect(existsSync(join(INFRA_DIR, 'runbooks', `${runbookName}.ps1`))).toBe(true);
    });

    itWithTool(BICEP, 'the runbook is Windows PowerShell 5.1 (runbookType PowerShell)', () => {
        expect(theOne(arm, 'Microsoft.Automation/automationAccounts/runbooks').properties.runbookType).toBe(
            'PowerShell',
        );
    });

    const iso = /^P(T(\d+H)?(\d+M)?|\d+D)$/;
    it('every log alert has the fields scheduledQueryRules needs', () => {
        const alerts = parseJson(z.array(z.record(z.string(), z.unknown())), 'monitoring/alerts.json');
        expect(alerts.length).toBeGreaterThan(0);
        for (const a of alerts) {
            const name = String(a.name);
            expect(name, name).toMatch(/^[a-z0-9-]{3,60}$/);
            expect(typeof a.description, name).toBe('string');
            expect(a.severity, name).toSatisfy((v: unknown) => Number.isInteger(v) && Number(v) >= 0 && Number(v) <= 4);
            expect(String(a.evaluationFrequency), name).toMatch(iso);
            expect(String(a.windowSize), name).toMatch(iso);
            expect(typeof a.query, name).toBe('string');
            expect(typeof a.threshold, name).toBe('number');
            expect(['Equals', 'GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual']).toContain(
                a.operator,
            );
            expect(['Count', 'Average', 'Minimum', 'Maximum', 'Total']).toContain(a.timeAggregation);
            if (a.timeAggregation !== 'Count') expect(typeof a.metricMeasureColumn, name).toBe('string');
        }
        expect(new Set(alerts.map((a) => a.name)).size).toBe(alerts.length);
    });

    it('every metric alert has the fields metricAlerts needs', () => {
        const alerts = parseJson(z.array(z.record(z.string(), z.unknown())), 'monitoring/metricAlerts.json');
        for (const a of alerts) {
            expect(a.metricNamespace).toBe('Microsoft.ServiceBus/namespaces');
            expect(typeof a.metricName).toBe('string');
            expect(Array.isArray(a.dimensions)).toBe(true);
            expect(String(a.windowSize)).toMatch(iso);
        }
    });

    it('the workbook is a Notebook/1.0 document', () => {
        const workbook = parseJson(
            z.object({ version: z.string().optional(), items: z.array(z.unknown()).optional() }),
            'monitoring/workbook.json',
        );
        expect(workbook.version).toBe('Notebook/1.0');
        expect(workbook.items?.length).toBeGreaterThan(0);
    });
});

describe('azd and GitHub Actions', () => {
    const azureYaml = readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8');

    it('azure.yaml deploys service api as a js Function App from the repo root', () => {
        expect(azureYaml).toMatch(/services:\s+api:\s+project: \.\s+language: js\s+host: function/);
    });

    it('every hook azure.yaml runs exists, for POSIX and Windows', () => {
        const runs = [...azureYaml.matchAll(/run: \.\/(infra\/hooks\/[\w.-]+)/g)].map((m) => m[1] ?? '');
        expect(runs).toEqual(expect.arrayContaining(['infra/hooks/postprovision.sh', 'infra/hooks/postprovision.ps1']));
        for (const run of runs) expect(existsSync(join(REPO_ROOT, run)), run).toBe(true);
    });

    it.each([
        'infra/hooks/prepackage.sh',
        'infra/hooks/postprovision.sh',
        'scripts/install-bicep.sh',
        'scripts/nuget-download.sh',
        'scripts/check-bicep.sh',
    ])('%s is valid shell', (script) => {
        const result = spawnSync('sh', ['-n', join(REPO_ROOT, script)], { encoding: 'utf8' });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
    });

    it('the postprovision hook publishes the runbook the Bicep declares', () => {
        for (const hook of ['postprovision.sh', 'postprovision.ps1']) {
            const text = readInfra(`hooks/${hook}`);
            expect(text).toContain('AUTOMATION_ACCOUNT_NAME');
            expect(text).toContain('AUTOMATION_RUNBOOK_NAME');
            expect(text).toMatch(/draft\/content/);
            expect(text).toMatch(/\/publish\?/);
        }
        const outputNames = outputs(main).map((o) => o.name);
        expect(outputNames).toEqual(
            expect.arrayContaining(['AUTOMATION_ACCOUNT_NAME', 'AUTOMATION_RUNBOOK_NAME', 'RUNBOOK_PUBLISHED_BY_ARM']),
        );
    });
});
