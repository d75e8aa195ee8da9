/**
 * OpenWrt UCI files (`/etc/config/*`): parser and writer.
 *
 * Grammar (per line): `package NAME`, `config TYPE ['NAME']`, `option KEY 'VALUE'`,
 * `list KEY 'VALUE'`; `#` starts a comment outside quotes; values may be unquoted, 'single'
 * (no escapes) or "double" quoted (backslash escapes), and adjacent pieces concatenate
 * (`'a'"b"c` = `abc`), as in libuci. A section without a name is anonymous.
 */

export type UciValue = string | string[];

export interface UciSection {
  type: string;
  /** Undefined for anonymous sections (`config globals`). */
  name?: string;
  /** Options and lists in file order; a list is a string[]. */
  values: Map<string, UciValue>;
  /** 1-based line of the `config` statement. */
  line: number;
}

export interface UciPackage {
  sections: UciSection[];
}

export class UciParseError extends Error {
  constructor(
    readonly lineNo: number,
    readonly detail: string,
  ) {
    super(`line ${lineNo}: ${detail}`);
    this.name = 'UciParseError';
  }
}

/** Section and option names: letters, digits and `_` (what libuci accepts). */
function isName(word: string): boolean {
  if (word.length === 0) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!ok) return false;
  }
  return true;
}

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\r';

/** Splits one line into words, honouring quotes, escapes and comments. */
function tokenize(line: string, lineNo: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break;
    let word = '';
    while (i < line.length && !isBlank(line[i]!)) {
      const ch = line[i]!;
      if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new UciParseError(lineNo, 'unterminated single quote');
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        for (;;) {
          if (i >= line.length) throw new UciParseError(lineNo, 'unterminated double quote');
          const d = line[i]!;
          if (d === '"') break;
          if (d === '\\' && i + 1 < line.length) {
            word += line[i + 1];
            i += 2;
          } else {
            word += d;
            i++;
          }
        }
        i++;
      } else if (ch === '\\' && i + 1 < line.length) {
        word += line[i + 1];
        i += 2;
      } else if (ch === '#' && word === '') {
        break;
      } else {
        word += ch;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

/** Parses UCI text; throws `UciParseError` naming the line. */
export function parseUci(text: string): UciPackage {
  const sections: UciSection[] = [];
  let current: UciSection | undefined;
  text.split('\n').forEach((raw, idx) => {
    const lineNo = idx + 1;
    const words = tokenize(raw, lineNo);
    if (words.length === 0) return;
    const [kw, a, b, ...rest] = words;
    if (rest.length > 0) throw new UciParseError(lineNo, `too many words after "${kw}"`);
    switch (kw) {
      case 'package':
        return;
      case 'config': {
        if (a === undefined || a === '') throw new UciParseError(lineNo, 'config without a section type');
        if (!isName(a)) throw new UciParseError(lineNo, `invalid section type "${a}"`);
        if (b !== undefined && !isName(b))
          throw new UciParseError(lineNo, `invalid section name "${b}" (letters, digits, "_")`);
        current = { type: a, values: new Map(), line: lineNo };
        if (b !== undefined) current.name = b;
        sections.push(current);
        return;
      }
      case 'option':
      case 'list': {
        if (!current) throw new UciParseError(lineNo, `${kw} outside of a config section`);
        if (a === undefined || !isName(a)) throw new UciParseError(lineNo, `invalid ${kw} name "${a ?? ''}"`);
        if (b === undefined) throw new UciParseError(lineNo, `${kw} "${a}" without a value`);
        const prev = current.values.get(a);
        if (kw === 'option') {
          if (Array.isArray(prev)) throw new UciParseError(lineNo, `option "${a}" was already given as a list`);
          current.values.set(a, b);
        } else {
          if (typeof prev === 'string') throw new UciParseError(lineNo, `list "${a}" was already given as an option`);
          current.values.set(a, [...(prev ?? []), b]);
        }
        return;
      }
      default:
        throw new UciParseError(lineNo, `unknown keyword "${kw}" (expected config, option or list)`);
    }
  });
  return { sections };
}

/** Single-quotes a value the way `uci export` does (' becomes '\''). */
export function quoteUci(value: string): string {
  return `'${value.split("'").join(`'\\''`)}'`;
}

/** Writes UCI text in `uci export` layout: tab-indented options, blank line between sections. */
export function writeUci(pkg: UciPackage): string {
  return pkg.sections
    .map((s) => {
      const head = s.name === undefined ? `config ${s.type}` : `config ${s.type} ${quoteUci(s.name)}`;
      const body = [...s.values].flatMap(([k, v]) =>
        Array.isArray(v) ? v.map((x) => `\tlist ${k} ${quoteUci(x)}`) : [`\toption ${k} ${quoteUci(v)}`],
      );
      return [head, ...body].join('\n') + '\n';
    })
    .join('\n');
}

/** Helpers for typed reads. */
export function uciString(s: UciSection, key: string): string | undefined {
  const v = s.values.get(key);
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function uciList(s: UciSection, key: string): string[] {
  const v = s.values.get(key);
  if (v === undefined) return [];
  // libuci treats a single option as a one-element list for readers that expect a list.
  return Array.isArray(v) ? v : [v];
}
