import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError, parseJsonWith } from '../../shared/validate.ts';
import { scenarioSchema, type Scenario } from '../../shared/scenario.ts';
import { policyOverrideSchema, type PolicyOverride } from '../../shared/policy.ts';
import { faultPlanSchema, type Fault } from '../../shared/faults.ts';

const wrappedFaults = z.object({ faults: faultPlanSchema }).strict();

/**
 * The largest scenario, policy, fault or agent file read (1 MiB): the schemas' own limits allow
 * at most about that much (1,000 turns of a long line each), and a file far past it is a mistake
 * or an attack, refused before it is parsed. Imports are sessions, bounded by the store instead.
 */
export const maxInputFileBytes = 1 << 20;

/** Reads a text file; a missing or unreadable one, or one over `maxBytes`, is an InputError naming it. */
export function readText(file: string, maxBytes = Infinity): string {
  try {
    const size = fs.statSync(file).size;
    if (size > maxBytes) throw new InputError(file, '', `is ${size.toLocaleString('en')} bytes, over the ${maxBytes.toLocaleString('en')} bytes callsim reads from such a file`);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(file, '', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message);
  }
}

function readJson<T>(file: string, schema: z.ZodType<T>): T {
  return parseJsonWith(readText(file, maxInputFileBytes), file, schema);
}

/** A scenario file, strictly validated (SPEC §2). */
export const readScenario = (file: string): Scenario => readJson(file, scenarioSchema);
/** A policy file (SPEC §3): every key optional, none unknown. */
export const readPolicy = (file: string): PolicyOverride => readJson(file, policyOverrideSchema);
/** A fault plan file (SPEC §4): an array of faults, or `{ "faults": [...] }`. */
export function readFaults(file: string): Fault[] {
  const text = readText(file, maxInputFileBytes);
  return text.trimStart().startsWith('{') ? parseJsonWith(text, file, wrappedFaults).faults : parseJsonWith(text, file, faultPlanSchema);
}

/** Lists scenario files: a directory's *.json (sorted), or the files given. */
export function scenarioFiles(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    let st: fs.Stats;
    try {
      st = fs.statSync(a);
    } catch {
      throw new InputError(a, '', 'no such file or directory');
    }
    if (st.isDirectory())
      out.push(
        ...fs
          .readdirSync(a)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => path.join(a, f)),
      );
    else out.push(a);
  }
  return out;
}
