// A small expression language for the tape panel: numbers, variables, + - * / ^, parentheses, unary
// minus and the functions below, evaluated with tapegrad ops so the tape records every step.
import { type Tensor, scalar } from "@tapegrad/core";

const FUNCTIONS: Record<string, (t: Tensor) => Tensor> = {
  tanh: (t) => t.tanh(),
  sigmoid: (t) => t.sigmoid(),
  relu: (t) => t.relu(),
  exp: (t) => t.exp(),
  log: (t) => t.log(),
  sqrt: (t) => t.sqrt(),
  sin: (t) => t.sin(),
  cos: (t) => t.cos(),
  abs: (t) => t.abs(),
};

/** The function names an expression may call. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS);

/** A mistake in an expression or an assignment list, with the position it was found at. */
export class ExpressionError extends Error {}

type Token = { kind: "number"; value: number; at: number } | { kind: "name"; value: string; at: number } | { kind: "op"; value: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|([A-Za-z_]\w*)|([-+*/^(),]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (m === null) {
      const position = at + (text.slice(at).length - text.slice(at).trimStart().length);
      throw new ExpressionError(`unexpected character ${JSON.stringify(text[position])} at position ${position + 1}`);
    }
    const start = at + m[0].length - (m[1] ?? m[2] ?? m[3]!).length;
    if (m[1] !== undefined) tokens.push({ kind: "number", value: Number(m[1]), at: start });
    else if (m[2] !== undefined) tokens.push({ kind: "name", value: m[2], at: start });
    else tokens.push({ kind: "op", value: m[3]!, at: start });
    at = pattern.lastIndex;
  }
  return tokens;
}

/**
 * Evaluate `text` (e.g. `tanh(w * x + b)`) with `variables` as its leaves; the result is recorded on
 * the tape like any tapegrad computation.
 * @throws ExpressionError naming the position of a syntax error, or an unknown variable or function.
 */
export function evaluateExpression(text: string, variables: Readonly<Record<string, Tensor>>): Tensor {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const isOp = (value: string): boolean => peek()?.kind === "op" && peek()!.value === value;
  const expect = (value: string): void => {
    if (!isOp(value)) throw new ExpressionError(`expected "${value}" ${peek() ? `at position ${peek()!.at + 1}` : "at the end"}`);
    i++;
  };
  const expression = (): Tensor => {
    let left = term();
    while (isOp("+") || isOp("-")) left = tokens[i++]!.value === "+" ? left.add(term()) : left.sub(term());
    return left;
  };
  const term = (): Tensor => {
    let left = unary();
    while (isOp("*") || isOp("/")) left = tokens[i++]!.value === "*" ? left.mul(unary()) : left.div(unary());
    return left;
  };
  const unary = (): Tensor => {
    if (isOp("-")) {
      i++;
      return unary().neg();
    }
    const base = atom();
    if (isOp("^")) {
      i++;
      return base.pow(unary());
    }
    return base;
  };
  const atom = (): Tensor => {
    const token = peek();
    if (token === undefined) throw new ExpressionError("the expression ends too early");
    i++;
    if (token.kind === "number") return scalar(token.value, "float64");
    if (token.kind === "op") {
      if (token.value !== "(") throw new ExpressionError(`unexpected "${token.value}" at position ${token.at + 1}`);
      const inner = expression();
      expect(")");
      return inner;
    }
    if (isOp("(")) {
      const f = FUNCTIONS[token.value];
      if (f === undefined) throw new ExpressionError(`unknown function ${token.value} (known: ${FUNCTION_NAMES.join(", ")})`);
      i++;
      const argument = expression();
      expect(")");
      return f(argument);
    }
    const v = Object.prototype.hasOwnProperty.call(variables, token.value) ? variables[token.value] : undefined;
    if (v === undefined) throw new ExpressionError(`unknown variable ${token.value} (give it a value, e.g. "${token.value} = 1")`);
    return v;
  };
  const result = expression();
  if (i < tokens.length) throw new ExpressionError(`unexpected "${String(tokens[i]!.value)}" at position ${tokens[i]!.at + 1}`);
  return result;
}

/** Parse `x = 0.5, w = [1, -2]` into numbers and lists of numbers by name. */
export function parseAssignments(text: string): Record<string, number | number[]> {
  const out: Record<string, number | number[]> = {};
  const pattern = /\s*([A-Za-z_]\w*)\s*=\s*(\[[^\]]*\]|[^,\s]+)\s*(?:,|$)/y;
  let at = 0;
  while (at < text.length && !/^\s*$/.test(text.slice(at))) {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (m === null) throw new ExpressionError(`values: expected "name = number" at position ${at + 1}`);
    const [, name, raw] = m as unknown as [string, string, string];
    if (Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) throw new ExpressionError(`values: ${name} is a function name`);
    const value = raw.startsWith("[") ? raw.slice(1, -1).split(",").map((s) => Number(s)) : Number(raw);
    if ((Array.isArray(value) ? value : [value]).some((v) => !Number.isFinite(v))) throw new ExpressionError(`values: ${name} = ${raw} is not a number or a list of numbers`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new ExpressionError(`values: ${name} is given twice`);
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    at = pattern.lastIndex;
  }
  if (Object.keys(out).length === 0) throw new ExpressionError("values: give at least one variable, e.g. x = 0.5");
  return out;
}
