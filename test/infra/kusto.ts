import { createRequire } from 'node:module';

import { APP_INSIGHTS_TABLES, schemaText } from './appInsightsSchema';

/** The few Kusto.Language (Bridge.NET) members the KQL check uses. */
interface KustoDiagnostic {
    readonly Severity: string;
    readonly Code: string;
    readonly Message: string;
    readonly Start: number;
}
interface BridgeList<T> {
    readonly Count: number;
    getItem(index: number): T;
}
interface KustoLanguage {
    readonly Symbols: {
        readonly TableSymbol: {
            readonly $ctor7: new (name: string, schema: string, description: string | null) => object;
        };
        readonly DatabaseSymbol: { readonly $ctor1: new (name: string, members: object[], isOpen: boolean) => object };
    };
    readonly GlobalState: { readonly Default: { WithDatabase(database: object): object } };
    readonly KustoCode: {
        ParseAndAnalyze(query: string, globals: object): { GetDiagnostics(): BridgeList<KustoDiagnostic> };
    };
}

/** A problem the language service found, with the line it is on. */
export interface KqlProblem {
    readonly code: string;
    readonly message: string;
    readonly line: number;
}

let language: KustoLanguage | undefined;

/** The bundle's shape is trusted once `Kusto.Language.KustoCode` exists; the members used are typed above. */
function isKusto(value: unknown): value is { Language: KustoLanguage } {
    return (
        typeof value === 'object' &&
        value !== null &&
        'Language' in value &&
        typeof value.Language === 'object' &&
        value.Language !== null &&
        'KustoCode' in value.Language
    );
}

function loadLanguage(): KustoLanguage {
    if (language === undefined) {
        // The package is a Bridge.NET browser bundle: it defines the global `Bridge`, then `Kusto`.
        const require = createRequire(__filename);
        require('@kusto/language-service-next/bridge.min.js');
        require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
        const kusto: unknown = Reflect.get(globalThis, 'Kusto');
        if (!isKusto(kusto)) throw new Error('Kusto.Language did not load');
        language = kusto.Language;
    }
    return language;
}

let globals: object | undefined;

/** Kusto's global state with one database holding the Application Insights tables. */
function appInsightsGlobals(): object {
    if (globals === undefined) {
        const k = loadLanguage();
        const tables = APP_INSIGHTS_TABLES.map((t) => new k.Symbols.TableSymbol.$ctor7(t.name, schemaText(t), null));
        const database = new k.Symbols.DatabaseSymbol.$ctor1('appinsights', tables, false);
        globals = k.GlobalState.Default.WithDatabase(database);
    }
    return globals;
}

/**
 * Parses and analyses a query against the Application Insights schema.
 * @returns the errors (syntax, unknown names, type errors); warnings are not problems
 */
export function checkKql(query: string): KqlProblem[] {
    const k = loadLanguage();
    const diagnostics = k.KustoCode.ParseAndAnalyze(query, appInsightsGlobals()).GetDiagnostics();
    const problems: KqlProblem[] = [];
    for (let i = 0; i < diagnostics.Count; i++) {
        const d = diagnostics.getItem(i);
        if (d.Severity !== 'Error') continue;
        problems.push({ code: d.Code, message: d.Message, line: query.slice(0, d.Start).split('\n').length });
    }
    return problems;
}
