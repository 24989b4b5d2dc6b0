/**
 * `npm run -s size`: the figures the engine's size is held to (docs/ARCHITECTURE.md, "Code tour").
 *   - the engine: src/domain/decide.ts and every src/domain file it imports, transitively, all lines;
 *   - the longest functions, methods and closures in src/ (a function nested in another counts on its own, and
 *     inside its parent's lines too).
 * `--json` prints the same as JSON. `--limit N` lists N functions (default 10).
 * test/build/codeSize.test.ts holds src/ to the rule that no function reaches FUNCTION_LINE_LIMIT lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import ts from 'typescript';

const root = join(__dirname, '..');

/** No function, method or closure in src/ may be this long or longer. */
export const FUNCTION_LINE_LIMIT = 80;

export interface FunctionSize {
    readonly file: string;
    readonly name: string;
    readonly line: number;
    readonly lines: number;
}

export interface EngineSize {
    readonly files: readonly { readonly file: string; readonly lines: number }[];
    readonly lines: number;
}

function lineCount(text: string): number {
    if (text.length === 0) return 0;
    return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(path);
        return entry.name.endsWith('.ts') ? [path] : [];
    });
}

/** The engine: decide.ts and the src/domain files it imports, transitively. */
export function engineSize(): EngineSize {
    const domain = join(root, 'src/domain');
    const seen = new Set<string>();
    const queue = [join(domain, 'decide.ts')];
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        if (seen.has(path)) continue;
        seen.add(path);
        const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
        for (const statement of source.statements) {
            const specifier =
                (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
                statement.moduleSpecifier !== undefined &&
                ts.isStringLiteral(statement.moduleSpecifier)
                    ? statement.moduleSpecifier.text
                    : null;
            if (specifier === null || !specifier.startsWith('.')) continue;
            const target = resolve(dirname(path), `${specifier}.ts`);
            if (target.startsWith(domain)) queue.push(target);
        }
    }
    const files = [...seen]
        .map((path) => ({ file: relative(root, path), lines: lineCount(readFileSync(path, 'utf8')) }))
        .sort((a, b) => b.lines - a.lines);
    return { files, lines: files.reduce((sum, f) => sum + f.lines, 0) };
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
    if (
        (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node)) &&
        node.name !== undefined
    ) {
        return node.name.getText(source);
    }
    if (ts.isConstructorDeclaration(node)) return 'constructor';
    if (ts.isGetAccessor(node) || ts.isSetAccessor(node)) return node.name.getText(source);
    const parent = node.parent;
    if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
        return parent.name.getText(source);
    }
    return '(anonymous)';
}

/** Every function, method and closure in src/ with its length in lines, longest first. */
export function functionSizes(): FunctionSize[] {
    const sizes: FunctionSize[] = [];
    for (const path of sourceFiles(join(root, 'src'))) {
        const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (node: ts.Node): void => {
            if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
                const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
                const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
                sizes.push({
                    file: relative(root, path),
                    name: functionName(node, source),
                    line: start + 1,
                    lines: end - start + 1,
                });
            }
            ts.forEachChild(node, visit);
        };
        visit(source);
    }
    return sizes.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}

function main(args: readonly string[]): void {
    const limitAt = args.indexOf('--limit');
    const limit = limitAt >= 0 ? Number(args[limitAt + 1]) : 10;
    const engine = engineSize();
    const functions = functionSizes();
    const over = functions.filter((f) => f.lines >= FUNCTION_LINE_LIMIT);
    if (args.includes('--json')) {
        console.log(JSON.stringify({ engine, overLimit: over.length, longest: functions.slice(0, limit) }, null, 2));
        return;
    }
    console.log(`engine: ${engine.lines} lines in ${engine.files.length} files (decide.ts and what it imports)`);
    for (const f of engine.files) console.log(`  ${String(f.lines).padStart(5)}  ${f.file}`);
    console.log(`functions of ${FUNCTION_LINE_LIMIT} lines or more in src/: ${over.length}`);
    for (const f of functions.slice(0, limit)) {
        console.log(`  ${String(f.lines).padStart(5)}  ${f.file}:${f.line} ${f.name}`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2));
}
