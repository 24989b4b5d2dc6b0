/**
 * A small evaluator of ARM template language expressions (`[if(equals(parameters('a'), 'x'), …)]`), enough for the
 * parameter-only logic a deployment decides before it touches Azure: `if` (lazy, as ARM evaluates it), `and`,
 * `or`, `not`, `equals`, `empty`, `parameters`, `variables`, `fail`, `true`, `false`. Anything else throws, so a
 * test never passes on an expression it did not understand.
 */

/** What `fail('…')` raised while evaluating: the deployment would stop with this message. */
export class ArmDeploymentFailure extends Error {}

type Value = string | number | boolean | null;

interface Scope {
    readonly parameters: Readonly<Record<string, Value>>;
    readonly variables: Readonly<Record<string, unknown>>;
}

type Node =
    | { readonly kind: 'literal'; readonly value: Value }
    | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] };

function parse(text: string): Node {
    let i = 0;
    const skip = (): void => {
        while (text[i] === ' ') i++;
    };
    const expression = (): Node => {
        skip();
        const c = text[i];
        if (c === "'") {
            let value = '';
            i++;
            for (;;) {
                if (i >= text.length) throw new Error(`unterminated string in ${text}`);
                if (text[i] === "'") {
                    if (text[i + 1] === "'") {
                        value += "'";
                        i += 2;
                        continue;
                    }
                    i++;
                    return { kind: 'literal', value };
                }
                value += text[i];
                i++;
            }
        }
        const number = /^-?\d+/.exec(text.slice(i));
        if (number !== null) {
            i += number[0].length;
            return { kind: 'literal', value: Number(number[0]) };
        }
        const name = /^[A-Za-z][A-Za-z0-9]*/.exec(text.slice(i));
        if (name === null) throw new Error(`unexpected "${text.slice(i, i + 10)}" in ${text}`);
        i += name[0].length;
        skip();
        if (text[i] !== '(') throw new Error(`expected ( after ${name[0]} in ${text}`);
        i++;
        const args: Node[] = [];
        skip();
        if (text[i] === ')') i++;
        else {
            for (;;) {
                args.push(expression());
                skip();
                if (text[i] === ',') {
                    i++;
                    continue;
                }
                if (text[i] === ')') {
                    i++;
                    break;
                }
                throw new Error(`expected , or ) in ${text}`);
            }
        }
        if (text[i] === '.' || text[i] === '[') throw new Error(`property access is not supported: ${text}`);
        return { kind: 'call', name: name[0].toLowerCase(), args };
    };
    const node = expression();
    skip();
    if (i !== text.length) throw new Error(`trailing text in ${text}`);
    return node;
}

function evaluateNode(node: Node, scope: Scope): Value {
    if (node.kind === 'literal') return node.value;
    const arg = (n: number): Value => {
        const a = node.args[n];
        if (a === undefined) throw new Error(`${node.name} needs argument ${n + 1}`);
        return evaluateNode(a, scope);
    };
    switch (node.name) {
        case 'if':
            return arg(0) === true ? arg(1) : arg(2);
        case 'and':
            return node.args.every((_, n) => arg(n) === true);
        case 'or':
            return node.args.some((_, n) => arg(n) === true);
        case 'not':
            return arg(0) !== true;
        case 'equals':
            return arg(0) === arg(1);
        case 'empty': {
            const v = arg(0);
            return v === null || v === '';
        }
        case 'true':
            return true;
        case 'false':
            return false;
        case 'fail':
            throw new ArmDeploymentFailure(String(arg(0)));
        case 'parameters': {
            const name = String(arg(0));
            if (!(name in scope.parameters)) throw new Error(`parameter ${name} not given`);
            return scope.parameters[name] ?? null;
        }
        case 'variables':
            return evaluate(scope.variables[String(arg(0))], scope);
        default:
            throw new Error(`function ${node.name} is not supported by this evaluator`);
    }
}

/**
 * Evaluates a template value: an expression string (`[…]`) or a literal.
 * @param value - a value from the compiled template
 * @param scope - the parameters the deployment is given, and the template's variables
 */
export function evaluate(value: unknown, scope: Scope): Value {
    if (typeof value === 'string' && value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']')) {
        return evaluateNode(parse(value.slice(1, -1)), scope);
    }
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return value;
    }
    throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}
