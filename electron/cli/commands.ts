// The commands of `callsim`, each called by main.ts with the arguments after its name. This is
// the module that loads the engine (the machine, the store, the schemas); main.ts imports it
// only once it knows a command needs it.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import fs from 'node:fs';
import { InputError, jsonPath, parseJsonWith } from '../../shared/validate.ts';
import { z } from 'zod';
import { asrSchema, modelSchema, toolEndpointSchema, type Scenario } from '../../shared/scenario.ts';
import { byoConfigProblem, modelBrainFor } from '../world/model.ts';
import { httpBackendsFor } from '../world/httpTools.ts';
import { storeFaultLine } from '../store/faults.ts';
import { callEnv, envProblem, envUses, parseAllowEnv, scenarioEnvConfig, type CallEnv } from '../world/secrets.ts';
import type { AgentBrain } from '../world/agent.ts';
import type { ToolBackend } from '../world/tools.ts';
import { SessionStore } from '../store/sessions.ts';
import { askSummarizer } from '../world/summarizerModel.ts';
import type { JournalEntry } from '../../shared/events.ts';
import { buildRunResult, type RunResult } from '../../shared/result.ts';
import { defaultDbPath } from '../store/db.ts';
import { runScenario, runSession } from '../engine/session.ts';
import { setupFor } from '../engine/setup.ts';
import { resolvePolicy, type PolicyOverride } from '../../shared/policy.ts';
import type { Fault } from '../../shared/faults.ts';
import { maxInputFileBytes, readFaults, readPolicy, readScenario, readText } from '../input/files.ts';
import { exitCode, usage, type Out } from './main.ts';
import { formatRunSummary } from './format.ts';
import { fork, ForkDivergedError, replaySession, whatIf } from '../engine/investigate.ts';
import { checkReproduction, sessionToScenario } from '../engine/toScenario.ts';
import { junitReport, passed, runSuite, shardOf, type SuiteCaseResult } from '../engine/redteam.ts';
import { callerModelReuseLine } from '../callers/persona.ts';
import { coverage as computeCoverage, machineGraph } from '../../shared/graph.ts';
import { callMachine, LEGACY_GUARDS, LIVE_ONLY_EVENTS } from '../../shared/machine.ts';
import { scenarioFiles } from '../input/files.ts';
import path from 'node:path';

const common = {
  db: { type: 'string' },
  policy: { type: 'string' },
  faults: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** `--allow-env NAME`, repeatable or comma-separated: the variables a call may send (world/secrets.ts). */
const allowEnvFlag = { type: 'string', multiple: true } as const;

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

export async function cmdRun(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { realtime: { type: 'boolean' }, channel: { type: 'string' }, agent: { type: 'string' }, 'allow-env': allowEnvFlag });
  if (values.help) return (out.stdout(`${usage}\n`), exitCode.done);
  if (positionals.length !== 1) throw new InputError('callsim run', 'arguments', 'give exactly one scenario .json or call .wav');
  const file = positionals[0];
  // Validate every input before anything touches the store: bad input stores nothing.
  const policy = values.policy ? readPolicy(values.policy) : undefined;
  const faults = values.faults ? readFaults(values.faults) : undefined;
  const seed = parseSeed(values.seed);
  const byo = readByo(values.agent, values['allow-env']);
  if (/\.wav$/i.test(file) || values.channel) return cmdRunRecording(file, values, { policy, faults, seed, byo }, out);
  const scenario = withAgent(readScenario(file), byo, file);
  const store = new SessionStore(defaultDbPath(values.db));
  try {
    const run = await runScenario(scenario, { store }, { policy, faults, seed, env: byo.env, strict: values.strict || undefined, pacing: values.realtime ? 'realtime' : 'virtual' });
    if (byo.agent?.summarizer && run.result.handoff) run.result = await summarizeWithModel(store, byo.agent.summarizer, run.entries, run.result.sessionId, byo.env);
    if (run.error) out.stderr(`callsim: ${callFailedLine(run.error, `${file}: `)}\n`);
    if (values.json) out.stdout(`${JSON.stringify(run.result)}\n`);
    else out.stdout(`${formatRunSummary(scenario.name, run.result, scenario.expect ? run.failures : null, run.entries)}\n`);
    if (run.failures.length) {
      for (const f of run.failures) out.stderr(`callsim: ${file}: expect.${f.key}: expected ${f.expected}, got ${f.actual}\n`);
      return exitCode.expectFailed;
    }
    return run.error ? callFailedCode(run.error) : exitCode.done;
  } finally {
    store.close();
  }
}

export async function cmdSessions(args: string[], out: Out): Promise<number> {
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
            out.stdout(
              `${r.sessionId.padEnd(34)} ${r.createdAt.slice(0, 19).replace('T', ' ')}  ${r.status.padEnd(11)} ${(r.outcome ?? '-').padEnd(14)} ${(r.handoffReason ?? '').padEnd(18)} ${String(r.events).padStart(6)} events  ${r.source}\n`,
            );
        return exitCode.done;
      }
      case 'show': {
        const s = store.resolve(need(id, 'show'));
        const result = store.result(s.sessionId);
        if (values.json) out.stdout(`${JSON.stringify(result)}\n`);
        else if (s.events === 0)
          out.stdout(`${s.sessionId}: ${s.source}, ${s.status === 'running' ? 'still running, nothing journaled yet' : `${s.status} before anything was journaled`} — nothing to show or replay\n`);
        else
          out.stdout(
            `${formatRunSummary(s.source, result, null, store.journal(s.sessionId))}\n  status: ${s.status}, ${s.events} journal events${s.parentId ? `, ${s.relation} of ${s.parentId}` : ''}\n`,
          );
        return exitCode.done;
      }
      case 'export': {
        const doc = JSON.stringify(store.export(need(id, 'export')), null, 1);
        if (values.output) writeWhole(values.output, `${doc}\n`);
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
      case 'to-scenario': {
        const s = store.resolve(need(id, 'to-scenario'));
        const entries = store.journal(s.sessionId);
        const result = store.result(s.sessionId);
        const scenario = sessionToScenario(s.sessionId, entries, result);
        const text = `${JSON.stringify(scenario, null, 2)}\n`;
        if (values.output) {
          writeWhole(values.output, text);
          out.stderr(
            `wrote ${values.output}: ${scenario.caller.turns.length} caller turns, ${scenario.faults?.length ?? 0} faults, expect ${scenario.expect?.outcome}${scenario.expect?.handoffReason ? ` ${scenario.expect.handoffReason}` : ''}\n`,
          );
        } else out.stdout(text);
        const check = await checkReproduction(scenario, entries, result);
        if (check.identical) out.stderr(`checked: running it takes the session's ${check.transitions} transitions again, at the same times\n`);
        else {
          const d = check.firstDifference!;
          out.stderr(`checked: it parts from the session at transition ${d.index} (${d.atMs} ms): ${d.before} → ${d.after}${check.limits.length ? `; ${check.limits.join('; ')}` : ''}\n`);
        }
        return exitCode.done;
      }
      default:
        throw new InputError('callsim sessions', '', `unknown subcommand "${sub ?? ''}" (list, show, export, import, delete, to-scenario)`);
    }
  } finally {
    store.close();
  }
}

function need(id: string | undefined, sub: string): string {
  if (!id) throw new InputError(`callsim sessions ${sub}`, 'arguments', sub === 'import' ? 'give the export file to import' : 'give a session id');
  return id;
}

function withStore<T>(dbFlag: string | undefined, f: (store: SessionStore) => T): T {
  const store = new SessionStore(defaultDbPath(dbFlag));
  let closeNow = true;
  try {
    const r = f(store);
    if (r instanceof Promise) {
      closeNow = false;
      return r.finally(() => store.close()) as T;
    }
    return r;
  } finally {
    if (closeNow) store.close();
  }
}

function oneId(positionals: string[], cmd: string): string {
  if (positionals.length !== 1) throw new InputError(`callsim ${cmd}`, 'arguments', 'give exactly one session id');
  return positionals[0];
}

export function cmdReplay(args: string[], out: Out): number {
  const { values, positionals } = parse(args, {});
  const id = oneId(positionals, 'replay');
  return withStore(values.db, (store) => {
    const r = replaySession(store, id);
    if (values.json) out.stdout(`${JSON.stringify(r)}\n`);
    else if (r.nothingToReplay) out.stdout(`${r.sessionId}: ${r.nothingToReplay} — nothing to replay\n`);
    else if (r.identical) out.stdout(`${r.sessionId}: identical — ${r.transitions} transitions from ${r.events} journaled events\n`);
    else {
      const d = r.divergence!;
      out.stdout(`${r.sessionId}: DIVERGED at transition ${d.index} (${(d.atMs / 1000).toFixed(3)} s)\n  expected: ${d.expected}\n  actual:   ${d.actual}\n`);
    }
    return r.identical ? exitCode.done : exitCode.expectFailed;
  });
}

export async function cmdWhatIf(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, {});
  const id = oneId(positionals, 'whatif');
  if (!values.policy) throw new InputError('callsim whatif', '--policy', 'give the policy to try (a JSON file of SPEC §3 keys)');
  const policy = readPolicy(values.policy);
  return withStore(values.db, async (store) => {
    const r = await whatIf(store, id, policy);
    const reuse = callerModelReuseLine(r.run.entries);
    if (reuse) out.stderr(`${reuse}\n`);
    if (values.json) {
      out.stdout(`${JSON.stringify({ parent: r.parent, child: r.child, diff: r.diff })}\n`);
      return exitCode.done;
    }
    const d = r.diff;
    const row = (label: string, a: unknown, b: unknown) => `  ${label.padEnd(12)} ${String(a).padEnd(44)} ${String(b)}${String(a) === String(b) ? '' : '   ← changed'}\n`;
    out.stdout(`what-if on ${r.parent.sessionId} → new session ${r.child.sessionId}\n`);
    out.stdout(`  policy: ${d.policyChanged.length ? d.policyChanged.join(', ') : 'unchanged'}\n`);
    out.stdout(`  ${''.padEnd(12)} ${'before'.padEnd(44)} after\n`);
    out.stdout(row('outcome', d.outcome[0], d.outcome[1]));
    out.stdout(row('handoff', d.handoff[0], d.handoff[1]));
    out.stdout(row('tool calls', d.toolCalls[0], d.toolCalls[1]));
    out.stdout(row('tokens', d.tokens[0], d.tokens[1]));
    out.stdout(
      d.firstDifference
        ? `  first difference: transition ${d.firstDifference.index} at ${d.firstDifference.atMs} ms: ${d.firstDifference.before} → ${d.firstDifference.after}\n`
        : '  the two runs take the same transitions\n',
    );
    return exitCode.done;
  });
}

export async function cmdFork(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { at: { type: 'string' } });
  const id = oneId(positionals, 'fork');
  if (values.at === undefined || !/^\d+$/.test(values.at)) throw new InputError('callsim fork', '--at', `give the fork time in ms (got ${values.at === undefined ? 'nothing' : `"${values.at}"`})`);
  if (!values.faults && !values.policy) throw new InputError('callsim fork', 'arguments', 'give --faults and/or --policy to go on under');
  const faults = values.faults ? readFaults(values.faults) : undefined;
  const policy = values.policy ? readPolicy(values.policy) : undefined;
  return withStore(values.db, async (store) => {
    let r: Awaited<ReturnType<typeof fork>>;
    try {
      r = await fork(store, id, Number(values.at), { faults, policy });
    } catch (err) {
      if (!(err instanceof ForkDivergedError)) throw err;
      out.stderr(`callsim: ${err.message}\n`);
      return exitCode.expectFailed;
    }
    const reuse = callerModelReuseLine(r.run.entries);
    if (reuse) out.stderr(`${reuse}\n`);
    if (values.json) out.stdout(`${JSON.stringify({ parentId: r.parentId, atMs: r.atMs, checkedTransitions: r.checkedTransitions, result: r.run.result })}\n`);
    else out.stdout(`fork of ${r.parentId} at ${r.atMs} ms: identical up to there (${r.checkedTransitions} transitions checked)\n${formatRunSummary(`fork ${r.run.sessionId}`, r.run.result, null)}\n`);
    return exitCode.done;
  });
}

export async function cmdRedteam(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    junit: { type: 'string' },
    shard: { type: 'string' },
    coverage: { type: 'boolean' },
    jobs: { type: 'string' },
    save: { type: 'boolean' },
    repeat: { type: 'string' },
    'allow-env': allowEnvFlag,
  });
  const allowEnv = parseAllowEnv(values['allow-env']);
  if (!(allowEnv instanceof Set)) throw new InputError('callsim', '--allow-env', `"${allowEnv.bad}" is not an environment variable name`);
  if (values.repeat !== undefined && !(/^[1-9]\d*$/.test(values.repeat) && Number(values.repeat) <= 1000))
    throw new InputError('callsim redteam', '--repeat', `"${values.repeat}" is not a whole number from 1 to 1000`);
  const all = scenarioFiles(positionals.length ? positionals : [path.join(import.meta.dirname, '../../recordings/scenarios')]);
  // every file valid, and reading only what it may, before anything runs
  for (const f of all) {
    const s = readScenario(f);
    const leak = envProblem(scenarioEnvConfig(s), allowEnv, process.env);
    if (leak) throw new InputError(f, jsonPath(leak.path[0] === 'model' ? ['agent', ...leak.path] : leak.path), leak.problem);
  }
  const files = shardOf(all, values.shard);
  if (values.jobs !== undefined && !/^[1-9]\d*$/.test(values.jobs)) throw new InputError('callsim redteam', '--jobs', `"${values.jobs}" is not a positive whole number`);
  const tty = process.stderr.isTTY;
  let failedSoFar = 0;
  const progress = (r: SuiteCaseResult, done: number, total: number) => {
    if (!passed(r)) failedSoFar++;
    if (tty) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      out.stderr(`\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}  failed ${failedSoFar}  ${r.name.slice(0, 30).padEnd(30)}`);
      if (done === total) out.stderr('\n');
    } else out.stderr(`[${done}/${total}] ${passed(r) ? 'pass' : 'FAIL'} ${r.name}\n`);
  };
  // the store the workers will save to, opened once here first: one it cannot use is one line
  // now (exit 2), not an error inside every worker
  if (values.save) new SessionStore(defaultDbPath(values.db)).close();
  const results = await runSuite(files, {
    jobs: values.jobs ? Number(values.jobs) : undefined,
    coverage: !!values.coverage,
    db: values.save ? defaultDbPath(values.db) : undefined,
    allowEnv: [...allowEnv],
    repeat: values.repeat ? Number(values.repeat) : undefined,
    onResult: progress,
  });
  const cov = values.coverage
    ? computeCoverage(
        machineGraph(callMachine),
        results.flatMap((r) => (r.trace ? [r.trace] : [])),
        LEGACY_GUARDS,
        LIVE_ONLY_EVENTS,
      )
    : undefined;
  if (values.junit) fs.writeFileSync(values.junit, junitReport(results, cov));
  const failed = results.filter((r) => !passed(r));
  if (values.json) {
    out.stdout(`${JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results: results.map(({ trace: _trace, ...r }) => r), coverage: cov ?? null })}\n`);
  } else {
    // as wide as the longest name (repetitions add " #2 (seed 12)"), within reason
    const nameWidth = Math.min(60, Math.max(28, ...results.map((r) => r.name.length)));
    out.stdout(`${'scenario'.padEnd(nameWidth)} ${'outcome'.padEnd(15)} ${'reason'.padEnd(19)} ${'time'.padStart(8)}  result\n`);
    for (const r of results) {
      out.stdout(
        `${r.name.slice(0, nameWidth).padEnd(nameWidth)} ${r.outcome.padEnd(15)} ${(r.handoffReason ?? '-').padEnd(19)} ${`${((r.handoffAtMs ?? r.durationMs) / 1000).toFixed(2)}s`.padStart(8)}  ${passed(r) ? 'pass' : 'FAIL'}\n`,
      );
      for (const f of r.failures) out.stdout(`    expect.${f.key}: expected ${f.expected}, got ${f.actual}\n`);
      if (r.error) out.stdout(`    error: ${r.error}\n`);
    }
    if (cov) {
      out.stdout(`\ncoverage: ${cov.states.entered}/${cov.states.total} states entered, ${cov.transitions.taken}/${cov.transitions.total} transitions taken\n`);
      for (const s of cov.states.never) out.stdout(`  never entered: ${s}\n`);
      for (const t of cov.transitions.never) out.stdout(`  never taken:   ${t}\n`);
      for (const t of cov.transitions.legacy) out.stdout(`  not counted:   ${t} (only sessions journaled before its policy key take it)\n`);
      for (const t of cov.transitions.liveOnly) out.stdout(`  not counted:   ${t} (only live audio calls take it: streaming partial results)\n`);
    }
  }
  // the plain closing line CI runners read; with --json on stderr, so that stdout is one JSON document
  (values.json ? out.stderr : out.stdout)(`redteam: ${results.length - failed.length} passed, ${failed.length} failed\n`);
  return failed.length ? exitCode.expectFailed : exitCode.done;
}

async function cmdRunRecording(
  file: string,
  values: { db?: string; json?: boolean; realtime?: boolean; channel?: string; strict?: boolean; agent?: string },
  o: { policy?: PolicyOverride; faults?: Fault[]; seed?: number; byo: Byo },
  out: Out,
): Promise<number> {
  const channel = values.channel ?? 'mix';
  if (channel !== 'left' && channel !== 'right' && channel !== 'mix') throw new InputError('callsim run', '--channel', `"${channel}" is not left, right or mix`);
  const { AudioInputError, readWavFile } = await import('../audio/wav.ts');
  if (values.realtime) {
    // paced on the wall clock as a live call: the same path as the microphone
    try {
      readWavFile(file, { channel });
    } catch (err) {
      if (err instanceof AudioInputError) throw new InputError(file, '', err.message.replace(/^[^:]*: /, ''));
      throw err;
    }
    const { WavFileSource } = await import('../audio/mic.ts');
    refuseLiveAsr(o.byo, values.agent);
    return liveCall(new WavFileSource(file, { channel }), { kind: 'recording', file: path.basename(file), channel }, { ...values, ...o }, out);
  }
  let setup;
  try {
    const asr = o.byo.agent?.asr;
    const transcriber = asr ? new (await import('../audio/transcriber.ts')).HttpTranscriber(asr, o.byo.env) : undefined;
    setup = await setupFor({ kind: 'recording', file, channel, transcriber }, { ...o, ...agentParts(o.byo, o.policy), strict: values.strict });
  } catch (err) {
    if (err instanceof AudioInputError) throw new InputError(file, '', err.message.replace(/^[^:]*: /, ''));
    throw err;
  }
  const store = new SessionStore(defaultDbPath(values.db));
  try {
    const run = await runSession(setup, { store }, { pacing: values.realtime ? 'realtime' : 'virtual' });
    if (run.error) out.stderr(`callsim: ${callFailedLine(run.error, `${file}: `)}\n`);
    out.stdout(values.json ? `${JSON.stringify(run.result)}\n` : `${formatRunSummary(path.basename(file), run.result, null)}\n`);
    return run.error ? callFailedCode(run.error) : exitCode.done;
  } finally {
    store.close();
  }
}

export async function cmdMic(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { input: { type: 'string' }, mute: { type: 'boolean' }, channel: { type: 'string' }, agent: { type: 'string' }, 'allow-env': allowEnvFlag });
  if (positionals.length) throw new InputError('callsim mic', 'arguments', `unexpected "${positionals[0]}" (use --input file.wav to play a file as the microphone)`);
  const policy = values.policy ? readPolicy(values.policy) : undefined;
  const faults = values.faults ? readFaults(values.faults) : undefined;
  const seed = parseSeed(values.seed);
  const byo = readByo(values.agent, values['allow-env']);
  refuseLiveAsr(byo, values.agent);
  const channel = values.channel ?? 'mix';
  if (channel !== 'left' && channel !== 'right' && channel !== 'mix') throw new InputError('callsim mic', '--channel', `"${channel}" is not left, right or mix`);
  if (values.input) {
    // a file that cannot be played is bad input: refused before the store is opened, like run --realtime
    const { AudioInputError, readWavFile } = await import('../audio/wav.ts');
    try {
      readWavFile(values.input, { channel });
    } catch (err) {
      if (err instanceof AudioInputError) throw new InputError(values.input, '', err.message.slice(err.file.length + 2));
      throw err;
    }
  }
  const { MicrophoneSource, WavFileSource } = await import('../audio/mic.ts');
  const source = values.input ? new WavFileSource(values.input, { channel }) : new MicrophoneSource();
  if (!values.json)
    out.stderr(
      values.input ? `callsim mic: playing ${values.input} as the microphone; Ctrl-C ends the call\n` : 'callsim mic: listening on the default microphone (use headphones); Ctrl-C ends the call\n',
    );
  return liveCall(source, { kind: 'mic' }, { ...values, policy, faults, seed, byo, speak: !values.mute && !values.json }, out);
}

/** Your own recognizer hears recorded calls only, so far: a live call with one is refused, not run with another recognizer unsaid. */
function refuseLiveAsr(byo: Byo, agentFile: string | undefined): void {
  if (byo.agent?.asr) throw new InputError(agentFile ?? 'callsim', '$.asr', 'your own recognizer hears recorded calls (callsim run call.wav); live calls (mic, --realtime) still use pocketsphinx');
}

async function liveCall(
  source: import('../audio/mic.ts').AudioSource,
  sessionSource: import('../../shared/events.ts').SessionSource & { kind: 'mic' | 'recording' },
  o: { db?: string; json?: boolean; strict?: boolean; policy?: PolicyOverride; faults?: Fault[]; seed?: number; speak?: boolean; byo: Byo },
  out: Out,
): Promise<number> {
  const { runLiveCall } = await import('../callers/liveCall.ts');
  const setup = await setupFor({ kind: 'live', session: sessionSource, speak: o.speak }, { policy: o.policy, faults: o.faults, seed: o.seed, strict: o.strict, ...agentParts(o.byo, o.policy) });
  const store = new SessionStore(defaultDbPath(o.db));
  let stop: (() => void) | null = null;
  const onSigint = () => stop?.();
  process.once('SIGINT', onSigint);
  try {
    const run = await runLiveCall({
      setup,
      source,
      store,
      onStart: (s) => (stop = s),
      onEntry: o.json
        ? undefined
        : (e) => {
            const t = `${(e.atMs / 1000).toFixed(2).padStart(7)}s`;
            if (e.kind === 'input' && e.event.type === 'asr.result') out.stdout(`${t}  caller  ${JSON.stringify(e.event.text)}\n`);
            else if (e.kind === 'command' && e.command.type === 'agent.speak') out.stdout(`${t}  agent   ${JSON.stringify(e.command.text)}\n`);
            else if (e.kind === 'command' && e.command.type === 'handoff.start') out.stdout(`${t}  HANDOFF ${e.command.reason} (${e.command.priority})\n`);
            else if (e.kind === 'command' && e.command.type === 'agent.speech.stop' && e.command.reason === 'barge_in') out.stdout(`${t}  (barge-in: agent stopped)\n`);
          },
    });
    if (run.error) out.stderr(`callsim: ${callFailedLine(run.error, '')}\n`);
    out.stdout(o.json ? `${JSON.stringify(run.result)}\n` : `${formatRunSummary('live call', run.result, null)}\n`);
    return run.error ? callFailedCode(run.error) : exitCode.done;
  } finally {
    process.off('SIGINT', onSigint);
    store.close();
  }
}

/** `run --agent agent.json`: the user's own model and tool backends (SPEC §2, bring your own agent). */
const agentFileSchema = z
  .object({
    model: modelSchema.optional(),
    tools: z.record(z.string(), toolEndpointSchema).optional(),
    /** Your own recognizer for recorded calls (audio/transcriber.ts). */
    asr: asrSchema.optional(),
    /** A summarizer model for the handoff packet, its fields checked against the journal (world/summarizerModel.ts). */
    summarizer: modelSchema.optional(),
    /** Variables the scenarios run with this file may send too, as --allow-env (world/secrets.ts). */
    allowEnv: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'))
      .max(100)
      .optional(),
  })
  .strict()
  .refine((a) => a.model !== undefined || a.tools !== undefined || a.asr !== undefined || a.summarizer !== undefined, { message: 'give "model", "tools", "asr", "summarizer" or more of them' });
type AgentFile = z.infer<typeof agentFileSchema>;

/**
 * The user's own agent (--agent) and what a call may read from the environment: variables
 * allowed by --allow-env or the agent file's `allowEnv` may go to a scenario's model and tools;
 * the agent file's own references, to its own model and tools only (world/secrets.ts).
 */
interface Byo {
  agent?: AgentFile;
  /** What a scenario's own `apiKeyEnv` and `${NAME}` headers may read. */
  forScenarios: ReadonlySet<string>;
  /** That and what the agent file's own model and tools read. */
  allowed: ReadonlySet<string>;
  /** The variables the call's world gets (allowed and set). */
  env: CallEnv;
}

/** Reads and checks --allow-env and an --agent file (strict schema, API-safe tool names, its variables set). */
function readByo(agentFile: string | undefined, allowEnvFlags: string[] | undefined): Byo {
  const flags = parseAllowEnv(allowEnvFlags);
  if (!(flags instanceof Set)) throw new InputError('callsim', '--allow-env', `"${flags.bad}" is not an environment variable name`);
  if (agentFile === undefined) return { forScenarios: flags, allowed: flags, env: callEnv(flags) };
  const agent = parseJsonWith(readText(agentFile, maxInputFileBytes), agentFile, agentFileSchema);
  const forScenarios = new Set([...flags, ...(agent.allowEnv ?? [])]);
  const own = new Set([...forScenarios, ...envUses(agent).map((u) => u.name)]);
  const problem = byoConfigProblem(agent, own);
  if (problem) throw new InputError(agentFile, jsonPath(problem.path), problem.problem);
  return { agent, forScenarios, allowed: own, env: callEnv(own) };
}

/** The brain and tool backends of an --agent file, for calls that have no scenario (recordings, the microphone). */
function agentParts(byo: Byo, policy: PolicyOverride | undefined): { brain?: AgentBrain; backends?: ToolBackend[] } {
  const { agent, env } = byo;
  if (!agent) return {};
  const resolved = resolvePolicy(policy);
  return {
    brain: modelBrainFor({ agent: agent.model ? { model: agent.model } : undefined, tools: agent.tools }, resolved, env) ?? undefined,
    backends: httpBackendsFor({ tools: agent.tools }, resolved, env),
  };
}

/**
 * The scenario with the --agent file's model and tools in place (they win over the scenario's);
 * what stays the scenario's may read only what is allowed for scenarios; the result is checked
 * as a whole.
 */
function withAgent(scenario: Scenario, byo: Byo, file: string): Scenario {
  const { agent } = byo;
  const scenarioPath = (p: (string | number)[]) => jsonPath(p[0] === 'model' ? ['agent', ...p] : p);
  const own = {
    model: agent?.model ? undefined : scenario.agent?.model,
    tools: Object.fromEntries(Object.entries(scenario.tools ?? {}).filter(([tool]) => !agent?.tools || !Object.hasOwn(agent.tools, tool))),
    persona: scenario.caller.persona?.model,
  };
  const leak = envProblem(own, byo.forScenarios, process.env);
  if (leak) throw new InputError(file, scenarioPath(leak.path), leak.problem);
  const merged: Scenario = agent
    ? { ...scenario, agent: { ...scenario.agent, ...(agent.model ? { model: agent.model } : {}) }, ...(agent.tools ? { tools: { ...scenario.tools, ...agent.tools } } : {}) }
    : scenario;
  const problem = byoConfigProblem({ model: merged.agent?.model, tools: merged.tools }, byo.allowed);
  if (problem) throw new InputError(file, scenarioPath(problem.path), problem.problem);
  return merged;
}

/** The line for a call that failed: the store's problem when the store refused it, else the error. Pure. */
function callFailedLine(err: Error, where: string): string {
  if (overCallLimit(err)) return `${where}${err.message}, callsim's limit for one call: shorten the call's script or its times (the session is kept, outcome error)`;
  return storeFaultLine(err) ?? `${where}the call failed: ${err.message}`;
}

/**
 * Whether a call failed because its input made it outlast the runner's limit for one call (a
 * scenario's turns and waits that add up past an hour, an hour-long recording): the input's
 * doing, not callsim's. The runner says so in this one message (engine/runner.ts). Pure.
 */
function overCallLimit(err: Error): boolean {
  return /^the call was still running after \d+ ms$/.test(err.message);
}

/** A failed call's exit code: 2 when the user's input or store caused it (theirs to fix), else 3. Pure. */
function callFailedCode(err: Error): number {
  return storeFaultLine(err) || overCallLimit(err) ? exitCode.badInput : exitCode.internal;
}

/**
 * Writes `text` to `file` through a temporary file beside it, renamed into place: a full disk or
 * a kill leaves the old file or none, never a truncated one. Effects: writes, renames.
 */
function writeWhole(file: string, text: string): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new InputError(file, '', e.code === 'ENOSPC' ? 'the disk is full: nothing was written' : `cannot be written (${e.code ?? e.message})`);
  }
}

/**
 * Asks the summarizer model about a handed-off call and journals its answer after the call's
 * end, so that the packet (checked against the journal) is the same in replay, show and export
 * without the server; the session's stored result is the new one. Effects: HTTP, the store.
 */
async function summarizeWithModel(store: SessionStore, config: NonNullable<AgentFile['summarizer']>, entries: JournalEntry[], sessionId: string, env: CallEnv): Promise<RunResult> {
  const event = await askSummarizer(config, entries, env);
  const last = entries[entries.length - 1];
  const entry: JournalEntry = { seq: last.seq + 1, atMs: last.atMs, kind: 'input', event };
  const writer = store.journalWriter(sessionId);
  writer.append(entry);
  writer.flush();
  entries.push(entry);
  const result = buildRunResult(sessionId, entries);
  store.complete(sessionId, result);
  return result;
}
