/**
 * The Application Insights tables the workbook and the alert rules query, with their real columns (the classic
 * table names, as seen from the Application Insights resource, which is the scope of both). Used by the KQL test
 * to catch unknown columns offline. `customDimensions`/`customMeasurements` are dynamic.
 */
type KustoType = 'string' | 'datetime' | 'dynamic' | 'real' | 'int' | 'long' | 'bool';

export interface TableSchema {
    readonly name: string;
    readonly columns: Readonly<Record<string, KustoType>>;
}

/** Context columns every classic Application Insights table has. */
const common: Readonly<Record<string, KustoType>> = {
    timestamp: 'datetime',
    itemType: 'string',
    operation_Name: 'string',
    operation_Id: 'string',
    operation_ParentId: 'string',
    operation_SyntheticSource: 'string',
    session_Id: 'string',
    user_Id: 'string',
    user_AuthenticatedId: 'string',
    user_AccountId: 'string',
    application_Version: 'string',
    client_Type: 'string',
    client_Model: 'string',
    client_OS: 'string',
    client_IP: 'string',
    client_City: 'string',
    client_StateOrProvince: 'string',
    client_CountryOrRegion: 'string',
    client_Browser: 'string',
    cloud_RoleName: 'string',
    cloud_RoleInstance: 'string',
    appId: 'string',
    appName: 'string',
    iKey: 'string',
    sdkVersion: 'string',
    itemId: 'string',
    itemCount: 'int',
    customDimensions: 'dynamic',
};

const withMeasurements = { ...common, customMeasurements: 'dynamic' as const };

export const APP_INSIGHTS_TABLES: readonly TableSchema[] = [
    { name: 'customEvents', columns: { name: 'string', ...withMeasurements } },
    {
        name: 'customMetrics',
        columns: {
            name: 'string',
            value: 'real',
            valueCount: 'int',
            valueSum: 'real',
            valueMin: 'real',
            valueMax: 'real',
            valueStdDev: 'real',
            ...common,
        },
    },
    {
        name: 'availabilityResults',
        columns: {
            id: 'string',
            name: 'string',
            location: 'string',
            success: 'string',
            message: 'string',
            size: 'real',
            duration: 'real',
            performanceBucket: 'string',
            ...withMeasurements,
        },
    },
    {
        name: 'dependencies',
        columns: {
            id: 'string',
            target: 'string',
            type: 'string',
            name: 'string',
            data: 'string',
            success: 'string',
            resultCode: 'string',
            duration: 'real',
            performanceBucket: 'string',
            ...withMeasurements,
        },
    },
    {
        name: 'requests',
        columns: {
            id: 'string',
            source: 'string',
            name: 'string',
            url: 'string',
            success: 'string',
            resultCode: 'string',
            duration: 'real',
            performanceBucket: 'string',
            ...withMeasurements,
        },
    },
    { name: 'traces', columns: { message: 'string', severityLevel: 'int', ...withMeasurements } },
    {
        name: 'exceptions',
        columns: {
            problemId: 'string',
            handledAt: 'string',
            type: 'string',
            message: 'string',
            assembly: 'string',
            method: 'string',
            outerType: 'string',
            outerMessage: 'string',
            outerAssembly: 'string',
            outerMethod: 'string',
            innermostType: 'string',
            innermostMessage: 'string',
            innermostAssembly: 'string',
            innermostMethod: 'string',
            severityLevel: 'int',
            details: 'dynamic',
            ...withMeasurements,
        },
    },
];

/** `(a:string, b:datetime)`: the schema text Kusto.Language's `TableSymbol` accepts. */
export function schemaText(table: TableSchema): string {
    return `(${Object.entries(table.columns)
        .map(([column, type]) => `${column}:${type}`)
        .join(', ')})`;
}
