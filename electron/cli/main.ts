import { parseArgs, type ParseArgsConfig } from 'node:util';
import fs from 'node:fs';
import { InputError } from '../../shared/validate.ts';
import { SessionStore } from '../store/sessions.ts';
import { defaultDbPath } from '../store/db.ts';
import { runScenario } from '../engine/session.ts';
import { exitCode, readFaults, readPolicy, readScenario, readText } from './io.ts';
import { formatRunSummary } from './format.ts';

const usage = `callsim — simulate and debug voice-call AI agents and their handoffs to humans

Usage:
  callsim run <scenario.json | call.wav> [--json] [--realtime]   run one call, save it, print a summary
  callsim sessions list | show <id> | export <id> [-o file] | import <file> | delete <id>

Common flags:
  --db <path>        session database (default: $CALLSIM_DB, else the desktop app's)
  --policy <file>    policy overrides (SPEC §3)
  --faults <file>    fault plan (SPEC §4), replacing the scenario's
  --seed <n>         seed for every random draw
  --strict           mask PII in the stored transcript of this session
  --json             machine-readable output on stdout

Exit codes: 0 done, 1 an expect failed or a replay diverged, 2 bad input, 3 internal error.`;

const common = {
  db: { type: 'string' },
  policy: { type: 'string' },
  faults: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
const realOut: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function parse<O extends ParseArgsConfig['options']>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...common, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new InputError('callsim', 'arguments', (err as Error).message.split('\n')[0]);
  }
}

function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InputError('callsim', '--seed', `"${v}" is not a whole number from 0 to 4294967295`);
  return Number(v);
}

/** Runs the callsim command line. Returns the exit code (SPEC §1). */
export async function main(argv: string[], out: Out = realOut): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await cmdRun(rest, out);
      case 'sessions':
        return cmdSessions(rest, out);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out.stdout(`${usage}\n`);
        return command === undefined ? exitCode.badInput : exitCode.done;
      default:
        throw new InputError('callsim', '', `unknown command "${command}" (try callsim --help)`);
    }
  } catch (err) {
    if (err instanceof InputError) {
      out.stderr(`callsim: ${err.message}\n`);
      return exitCode.badInput;
    }
    out.stderr(`callsim: internal error: ${(err as Error).stack ?? err}\n`);
    return exitCode.internal;
  }
}

async function cmdRun(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { realtime: { type: 'boolean' }, channel: { type: 'string' } });
  if (values.help) return (out.stdout(`${usage}\n`), exitCode.done);
  if (positionals.length !== 1) throw new InputError('callsim run', 'arguments', 'give exactly one scenario .json or call .wav');
  const file = positionals[0];
  // Validate every input before anything touches the store: bad input stores nothing.
  const policy = values.policy ? readPolicy(values.policy) : undefined;
  const faults = values.faults ? readFaults(values.faults) : undefined;
  const seed = parseSeed(values.seed);
  if (/\.wav$/i.test(file)) {
    const { runRecording } = await import('../audio/session.ts');
    return runRecording(file, { db: defaultDbPath(values.db), policy, faults, seed, json: !!values.json, realtime: !!values.realtime, channel: values.channel, strict: !!values.strict }, out);
  }
  const scenario = readScenario(file);
  const store = new SessionStore(defaultDbPath(values.db));
  try {
    const run = await runScenario(scenario, { store }, { policy, faults, seed, strict: values.strict || undefined, pacing: values.realtime ? 'realtime' : 'virtual' });
    if (run.error) out.stderr(`callsim: ${file}: the call failed: ${run.error.message}\n`);
    if (values.json) out.stdout(`${JSON.stringify(run.result)}\n`);
    else out.stdout(`${formatRunSummary(scenario.name, run.result, scenario.expect ? run.failures : null)}\n`);
    if (run.failures.length) {
      for (const f of run.failures) out.stderr(`callsim: ${file}: expect.${f.key}: expected ${f.expected}, got ${f.actual}\n`);
      return exitCode.expectFailed;
    }
    return run.error ? exitCode.internal : exitCode.done;
  } finally {
    store.close();
  }
}

function cmdSessions(args: string[], out: Out): number {
  const { values, positionals } = parse(args, { output: { type: 'string', short: 'o' } });
  const [sub, id] = positionals;
  const store = new SessionStore(defaultDbPath(values.db));
  try {
    switch (sub) {
      case 'list': {
        const rows = store.list();
        if (values.json) out.stdout(`${JSON.stringify(rows.map(({ sessionId, createdAt, source, status, outcome, events }) => ({ sessionId, createdAt, source, status, outcome, events })))}\n`);
        else if (!rows.length) out.stdout(`no sessions in ${store.file}\n`);
        else
          for (const r of rows)
            out.stdout(`${r.sessionId.padEnd(34)} ${r.createdAt.slice(0, 19).replace('T', ' ')}  ${r.status.padEnd(11)} ${(r.outcome ?? '-').padEnd(14)} ${(r.handoffReason ?? '').padEnd(18)} ${String(r.events).padStart(6)} events  ${r.source}\n`);
        return exitCode.done;
      }
      case 'show': {
        const s = store.resolve(need(id, 'show'));
        const result = store.result(s.sessionId);
        if (values.json) out.stdout(`${JSON.stringify(result)}\n`);
        else out.stdout(`${formatRunSummary(s.source, result, null)}\n  status: ${s.status}, ${s.events} journal events${s.parentId ? `, ${s.relation} of ${s.parentId}` : ''}\n`);
        return exitCode.done;
      }
      case 'export': {
        const doc = JSON.stringify(store.export(need(id, 'export')), null, 1);
        if (values.output) fs.writeFileSync(values.output, `${doc}\n`);
        else out.stdout(`${doc}\n`);
        return exitCode.done;
      }
      case 'import': {
        const file = need(id, 'import');
        const sid = store.import(file, readText(file));
        out.stdout(values.json ? `${JSON.stringify({ sessionId: sid })}\n` : `imported ${sid}\n`);
        return exitCode.done;
      }
      case 'delete': {
        const s = store.resolve(need(id, 'delete'));
        store.delete(s.sessionId);
        out.stdout(values.json ? `${JSON.stringify({ deleted: s.sessionId })}\n` : `deleted ${s.sessionId}\n`);
        return exitCode.done;
      }
      default:
        throw new InputError('callsim sessions', '', `unknown subcommand "${sub ?? ''}" (list, show, export, import, delete)`);
    }
  } finally {
    store.close();
  }
}

function need(id: string | undefined, sub: string): string {
  if (!id) throw new InputError(`callsim sessions ${sub}`, 'arguments', sub === 'import' ? 'give the export file to import' : 'give a session id');
  return id;
}

