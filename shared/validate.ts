import type { z } from 'zod';
import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';

/**
 * `text` with its line breaks and other control characters written as escapes (`\n`, `\u0000`):
 * a message quotes what the file says (a key, a name, a path), and a key holding a newline made
 * the one line two. Pure.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A user-caused input error: one line naming the file, the place in it, and what is wrong. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly place: string,
    readonly problem: string,
  ) {
    super(oneLine(`${file}${place ? `: ${place}` : ''}: ${problem}`));
    this.name = 'InputError';
  }
}

/** `["caller","turns",1,"sya"]` → `$.caller.turns[1].sya`. Pure. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** Line and column (1-based) of a character offset. Pure. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, column: col };
}

/** Finds where JSON text first breaks, with a readable reason (strict JSON: no comments, no trailing commas). */
function syntaxError(text: string, file: string): InputError {
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (!errors.length) return new InputError(file, '', 'invalid JSON');
  const first = errors[0];
  const lc = lineColumn(text, first.offset);
  const what = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return new InputError(file, `line ${lc.line}:${lc.column}`, `invalid JSON: ${what}`);
}

/**
 * How deep a JSON file callsim reads may nest arrays and objects. Its own files nest about ten
 * deep; past a few thousand, the parsers and JSON.stringify (which the store writes entries with)
 * run out of stack, so a deeper file is refused before either sees it.
 */
export const maxJsonDepth = 256;

/** The offset of the first bracket that opens past `maxJsonDepth`, if any (strings skipped). Pure. */
function tooDeepAt(text: string): number | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxJsonDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}

/** Turns the first zod issue into an InputError. Pure. */
export function issueToError(file: string, issue: z.core.$ZodIssue): InputError {
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    const path = jsonPath(issue.path);
    return new InputError(file, path, `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`);
  }
  return new InputError(file, jsonPath(issue.path), issue.message);
}

/**
 * Parses JSON text and validates it against a strict schema. Returns the value or throws an
 * InputError naming the file, the place (line:column for syntax, JSON path for schema) and
 * what is wrong. Pure.
 */
export function parseJsonWith<T>(text: string, file: string, schema: z.ZodType<T>): T {
  // a byte-order mark (some Windows editors write one) is not part of the JSON
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const deep = tooDeepAt(text);
  if (deep !== null) {
    const lc = lineColumn(text, deep);
    throw new InputError(file, `line ${lc.line}:${lc.column}`, `nested more than ${maxJsonDepth} arrays or objects deep`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw syntaxError(text, file);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw issueToError(file, r.error.issues[0]);
  return r.data;
}
