import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildWav } from '../audio/wavBuilder.ts';
import { chatServer, toolServer, type TestServer } from '../byo/servers.ts';
import { libraryDir, repoRoot, tempDir } from '../helpers.ts';
import { callsim, type CliRun } from './cli.ts';

// The five kinds of file a user hands `callsim run` — a WAV, a scenario, a policy, a fault plan,
// an agent file — each mutated by fast-check and run through the CLI's own entry in this
// process. Every input ends in exit 0 or 1 (a call, its session stored and read back by every
// command) or exit 2 with one line naming a file; never exit 3, a stack trace, a throw out of
// main() or a hang. CALLSIM_FUZZ_RUNS=10000 runs the README's size per kind; the suite runs
// FUZZ_SUITE_RUNS. Each kind's figures are printed when CALLSIM_FUZZ_RUNS is set.

const FUZZ_SUITE_RUNS = { wav: 100, scenario: 200, policy: 200, faults: 200, agent: 150 };
const runsOf = (kind: keyof typeof FUZZ_SUITE_RUNS) => Number(process.env.CALLSIM_FUZZ_RUNS ?? FUZZ_SUITE_RUNS[kind]);

type Json = unknown;
interface Stats {
  refused: number;
  accepted: number;
  /** exit 2 after a call ran: the call's times added up past the runner's hour, its session kept */
  overLimit: number;
}

// Keys of the files' schemas and values that mean something to them, for keys a file did not have.
const knownKeys = [
  'at',
  'afterAgentMs',
  'bargeInMs',
  'say',
  'silentMs',
  'hangUp',
  'model',
  'tools',
  'faults',
  'policy',
  'expect',
  'thinkMs',
  'tokensPerStep',
  'onToolError',
  'strict',
  'seed',
  'description',
  'target',
  'mode',
  'ms',
  'status',
  'probability',
  'fromMs',
  'toMs',
  'calls',
  'baseUrl',
  'name',
  'apiKeyEnv',
  'systemPrompt',
  'stream',
  'headers',
  'url',
  'method',
  'allowEnv',
  'asr',
  'timeoutMs',
  'language',
  'outcome',
  'handoffReason',
  'handoffWithinMs',
  'maxTokens',
  'minBargeIns',
  'deadAirMs',
  'deadAirReprompts',
  'tokenBudget',
  'toolLatencyBudgetMs',
  'thinkingBudgetMs',
  'endOfTurnSilenceMs',
  'circuitBreakerFailures',
  'frustrationThreshold',
];
const knownValues: Json[] = [
  0,
  1,
  -1,
  2,
  0.5,
  3_600_000,
  1e308,
  true,
  false,
  null,
  '',
  'x',
  'retry',
  'apologize',
  'handoff',
  'dead_air',
  'asr',
  'agent',
  'crm.lookupCustomer',
  'timeout',
  'garble',
  'error',
  'latency',
  [1, 2],
  [],
  {},
  { min: 100, max: 50 },
  { min: 100, max: 900 },
  { baseUrl: 'http://127.0.0.1:9/v1', name: 'm' },
  { url: 'http://127.0.0.1:9/x' },
  { 'crm.lookupCustomer': { url: 'http://127.0.0.1:9/x' } },
  [{ target: 'agent', mode: 'timeout' }],
  [{ say: 'representative' }],
  { deadAirMs: 1 },
];

/** One change somewhere in a JSON document, or in its text. */
const jsonMutation = fc.record({
  pick: fc.nat(),
  how: fc.nat(7),
  key: fc.constantFrom(...knownKeys),
  known: fc.constantFrom(...knownValues),
  value: fc.jsonValue({ maxDepth: 2 }),
  number: fc.integer({ min: -1, max: 4_000_000 }),
  char: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\uffff', 'x', '1', ' '),
});
type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never;

/** The text of `doc` with the change `m` made. Pure (works on a copy). */
function mutateJson(doc: Json, m: JsonMutation): string {
  const text = JSON.stringify(doc, null, 1);
  if (m.how === 5) return text.slice(0, m.pick % text.length); // cut short
  if (m.how === 6) {
    const at = m.pick % text.length;
    return text.slice(0, at) + m.char + text.slice(at);
  }
  const d = structuredClone(doc) as Record<string, unknown>;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    paths.push(at);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, Array.isArray(v) ? Number(k) : k]);
  };
  walk(d, []);
  if (paths.length === 1) return JSON.stringify(m.value);
  const at = paths[1 + (m.pick % (paths.length - 1))];
  const parent = at.slice(0, -1).reduce<any>((o, k) => o[k], d);
  const key: any = at[at.length - 1];
  const old = parent[key];
  if (m.how === 7) {
    // a key of the schemas, set on the object here (or its parent), to a value that means something
    const obj = old && typeof old === 'object' && !Array.isArray(old) ? old : !Array.isArray(parent) ? parent : null;
    if (obj) obj[m.key] = structuredClone(m.known);
    else parent[key] = structuredClone(m.known);
  } else if (m.how === 0) parent[key] = m.value;
  else if (m.how === 1) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.how === 2 && Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(old));
  else if (m.how === 3) parent[key] = typeof old === 'number' ? old + 1 : m.value;
  else parent[key] = typeof old === 'number' ? m.number : typeof old === 'string' ? old.repeat(1 + (m.number % 50)) : m.value;
  return JSON.stringify(d, null, 1);
}

// Offsets of the canonical 44-byte header: RIFF size, fmt size, format, channels, rate, byte
// rate, block align, bits, data size; and values that have broken readers before.
const u32Fields = [4, 16, 24, 28, 40];
const u16Fields = [20, 22, 32, 34];
const u32Values = [0, 1, 2, 8, 62, 63, 8000, 44100, 192000, 192001, 384000, 0x7fffffff, 0xffffffff];
const u16Values = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 0xfffe, 0xffff];

/** One change to a WAV file's bytes, mostly in its header. */
const wavMutation = fc.record({ pick: fc.nat(), how: fc.nat(5), byte: fc.nat(255), count: fc.integer({ min: 1, max: 8 }) });
type WavMutation = typeof wavMutation extends fc.Arbitrary<infer T> ? T : never;

/** The bytes of `wav` with the change `m` made. Pure (works on a copy). */
function mutateWav(wav: Uint8Array, m: WavMutation): Uint8Array {
  const b = Buffer.from(wav);
  switch (m.how) {
    case 0: // header bytes
      for (let i = 0; i < m.count; i++) b[(m.pick + i * 7) % Math.min(64, b.length)] = (m.byte * (i + 1)) & 0xff;
      return b;
    case 1:
      b.writeUInt32LE(u32Values[m.byte % u32Values.length], u32Fields[m.pick % u32Fields.length]);
      return b;
    case 2:
      b.writeUInt16LE(u16Values[m.byte % u16Values.length], u16Fields[m.pick % u16Fields.length]);
      return b;
    case 3: // cut short
      return b.subarray(0, m.pick % b.length);
    case 4: // a chunk of junk at the end, or one that claims more than there is
      return Buffer.concat([b, Buffer.from('LIST'), Buffer.from(Uint32Array.of(m.pick % 3 === 0 ? 0xffffff00 : m.count * 4).buffer), Buffer.alloc(m.count * 4, m.byte)]);
    default: // bytes anywhere
      for (let i = 0; i < m.count; i++) b[(m.pick * (i + 3)) % b.length] = m.byte ^ i;
      return b;
  }
}

/** Small WAVs of real speech-band audio (a quarter second of a library call) in several encodings. */
function wavBases(): Uint8Array[] {
  const src = fs.readFileSync(path.join(repoRoot, 'recordings/audio/cards-call-8k.wav'));
  const samples = Array.from({ length: 2000 }, (_, i) => src.readInt16LE(44 + 2 * i) / 32768);
  const mono = samples.map((x) => [x]);
  const stereo = samples.map((x) => [x, -x]);
  return [
    buildWav({ encoding: 'pcm', bits: 16, channels: 1, sampleRate: 8000, frames: mono }),
    buildWav({ encoding: 'pcm', bits: 8, channels: 1, sampleRate: 8000, frames: mono }),
    buildWav({ encoding: 'pcm', bits: 24, channels: 2, sampleRate: 8000, frames: stereo }),
    buildWav({ encoding: 'float', bits: 32, channels: 1, sampleRate: 8000, frames: mono, extensible: true }),
  ];
}

const readLibrary = (name: string): Json => JSON.parse(fs.readFileSync(path.join(libraryDir, name), 'utf8'));

describe('fuzz: every input kind through the CLI', () => {
  const dir = tempDir('callsim-fuzz-');
  let db: string;
  let rows: Database.Database;
  const whatIfPolicy = path.join(dir, 'whatif-policy.json');
  fs.writeFileSync(whatIfPolicy, JSON.stringify({ deadAirMs: 4000, circuitBreakerFailures: 2 }));
  const happyPath = path.join(libraryDir, 'happy-path.json');
  const crmBlackout = path.join(libraryDir, 'crm-blackout.json');
  let model: TestServer;
  let tools: TestServer;

  beforeAll(async () => {
    // The agent file's servers: a model that looks the caller up, then answers; tools that answer JSON.
    model = await chatServer((req) => {
      const last = req.body?.messages?.at(-1);
      return last?.role === 'tool'
        ? { content: 'Your balance is 42 dollars.', tokens: 50 }
        : { content: null, toolCalls: [{ name: 'crm_lookupCustomer', arguments: { phone: '555-0100' } }], tokens: 50 };
    });
    tools = await toolServer({
      '/customers/lookup': () => ({ body: '{"customerId":"C-1","name":"Ada"}' }),
      '/balance': () => ({ body: '{"balance":42}' }),
    });
    process.env.CALLSIM_FUZZ_KEY = 'fuzz-key';
    process.env.CALLSIM_FUZZ_TOKEN = 'fuzz-token';
  });
  afterAll(async () => {
    rows?.close();
    await model?.close();
    await tools?.close();
  });

  /** A store of its own per kind, and a read-only look at how many sessions it holds. */
  function freshStore(kind: string) {
    rows?.close();
    db = path.join(dir, `${kind}.db`);
    return async () => {
      const r = await callsim(['sessions', 'list', '--json', '--db', db]); // creates and migrates it
      expect(r.code).toBe(0);
      rows = new Database(db, { readonly: true, fileMustExist: true });
    };
  }
  const lastSession = (): { id: string; n: number } => {
    const n = (rows.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
    const last = rows.prepare('SELECT id FROM sessions ORDER BY rowid DESC LIMIT 1').get() as { id: string } | undefined;
    return { id: last?.id ?? '', n };
  };

  const fail = (what: string, r: CliRun) => new Error(`${what}: exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 4000)}`);

  /** Every command that reads a stored session, through the CLI: each must answer (exit 0). */
  async function readEveryWay(id: string): Promise<void> {
    const list = await callsim(['sessions', 'list', '--json', '--db', db]);
    if (list.code !== 0) throw fail('sessions list', list);
    const row = (JSON.parse(list.stdout) as { sessionId: string; status: string; events: number }[]).find((s) => s.sessionId === id);
    if (!row) throw new Error(`${id} stored but not listed`);
    for (const args of [
      ['sessions', 'show', id],
      ['sessions', 'export', id],
      ['replay', id, '--json'],
    ]) {
      const r = await callsim([...args, '--db', db]);
      if (r.code !== 0) throw fail(args.join(' '), r);
      if (args[0] === 'replay' && row.status === 'complete' && !JSON.parse(r.stdout).identical) throw fail('stored, but its replay diverges', r);
    }
    if (row.status !== 'complete' || row.events === 0) return;
    for (const args of [
      ['sessions', 'to-scenario', id],
      ['whatif', id, '--policy', whatIfPolicy],
    ]) {
      const r = await callsim([...args, '--db', db]);
      if (r.code !== 0) throw fail(args.join(' '), r);
    }
  }

  /** Runs `args`; checks the outcome is a refusal naming one of `files`, or a call read every way. */
  async function check(args: string[], files: string[], stats: Stats): Promise<void> {
    const before = lastSession();
    let r: CliRun;
    try {
      r = await callsim([...args, '--db', db]);
    } catch (err) {
      throw new Error(`main() threw: ${(err as Error).stack}`, { cause: err });
    }
    const after = lastSession();
    const stored = after.n > before.n;
    if (r.code === 2) {
      const line = r.stderr.split('\n');
      if (line.length !== 2 || line[1] !== '' || !files.some((f) => line[0].startsWith(`callsim: ${f}: `)) || /\bat .*:\d+:\d+\)?$/m.test(r.stderr)) throw fail('not one line naming the file', r);
      if (stored) {
        if (!/the call was still running after \d+ ms, callsim's limit for one call/.test(r.stderr)) throw fail('refused, yet stored a session', r);
        await readEveryWay(after.id);
        stats.overLimit++;
      } else stats.refused++;
      return;
    }
    if (r.code !== 0 && r.code !== 1) throw fail('a crash', r);
    if (after.n !== before.n + 1) throw fail(`ran, but stored ${after.n - before.n} sessions`, r);
    if (r.code === 1 && !/^callsim: .*: expect\.\w+: expected /m.test(r.stderr)) throw fail('exit 1 without a failed expect', r);
    await readEveryWay(after.id);
    stats.accepted++;
  }

  async function fuzz<M>(kind: keyof typeof FUZZ_SUITE_RUNS, mutation: fc.Arbitrary<M>, oneCase: (m: M, stats: Stats) => Promise<void>): Promise<Stats> {
    await freshStore(kind)();
    const stats: Stats = { refused: 0, accepted: 0, overLimit: 0 };
    const runs = runsOf(kind);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        // a store of its own every 250 cases, so that listing it (each case does) stays quick at 10,000
        if (++n % 250 === 0) await freshStore(`${kind}-${n}`)();
        if (process.env.CALLSIM_FUZZ_PROGRESS && n % 500 === 0) fs.appendFileSync(process.env.CALLSIM_FUZZ_PROGRESS, `${kind} ${n} ${JSON.stringify(stats)}\n`);
        await oneCase(m, stats);
      }),
      { numRuns: runs, seed: 20261207, timeout: 120_000, endOnFailure: !process.env.CALLSIM_FUZZ_SHRINK },
    );
    if (process.env.CALLSIM_FUZZ_RUNS)
      console.log(
        `fuzz ${kind}: ${runs} mutated files, ${stats.refused} refused (exit 2, nothing stored), ${stats.accepted} ran (exit 0/1) and read every way, ${stats.overLimit} over the hour (exit 2, kept, read every way), 0 crashes`,
      );
    expect(stats.refused + stats.accepted + stats.overLimit).toBe(runs);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.accepted).toBeGreaterThan(0);
    return stats;
  }

  /** A JSON kind: a base document mutated, written to `name`, run with `args(file)`. */
  function jsonKind(kind: keyof typeof FUZZ_SUITE_RUNS, bases: Json[], args: (file: string) => string[], others: string[] = []) {
    const file = path.join(dir, `${kind}.json`);
    return fuzz(kind, fc.record({ base: fc.nat(bases.length - 1), m: jsonMutation }), async ({ base, m }, stats) => {
      fs.writeFileSync(file, mutateJson(bases[base], m));
      await check(args(file), [file, ...others], stats);
    });
  }

  it('wav', async () => {
    const bases = wavBases();
    const file = path.join(dir, 'call.wav');
    await fuzz('wav', fc.record({ base: fc.nat(bases.length - 1), m: wavMutation }), async ({ base, m }, stats) => {
      fs.writeFileSync(file, mutateWav(bases[base], m));
      await check(['run', file, '--json'], [file], stats);
    });
  }, 600_000);

  it('scenario', async () => {
    const names = ['happy-path.json', 'crm-blackout.json', 'barge-in.json', 'dead-air.json', 'loop-injection.json', 'latency-spike.json', 'caller-request.json', 'asr-lost.json'];
    await jsonKind('scenario', names.map(readLibrary), (file) => ['run', file, '--json']);
  }, 600_000);

  it('policy', async () => {
    const full = {
      toolLatencyBudgetMs: 800,
      toolRetries: 1,
      circuitBreakerFailures: 3,
      sameToolMaxConsecutive: 3,
      fillerAfterMs: 600,
      thinkingBudgetMs: 3000,
      deadAirMs: 5000,
      deadAirReprompts: 2,
      noProgressTurns: 3,
      tokenBudget: 20000,
      frustrationThreshold: 0.7,
      bargeInMinSpeechMs: 250,
      endOfTurnSilenceMs: 600,
    };
    const bases = [full, { circuitBreakerFailures: 2, deadAirMs: 3000 }, { tokenBudget: 1500, sameToolMaxConsecutive: 2 }];
    let n = 0;
    const scenarios = [happyPath, crmBlackout];
    await jsonKind('policy', bases, (file) => ['run', scenarios[n++ % 2], '--policy', file, '--json'], scenarios);
  }, 600_000);

  it('faults', async () => {
    const plans = ['crm-blackout.json', 'latency-spike.json', 'asr-lost.json', 'model-outage.json'].map((n) => (readLibrary(n) as { faults: Json[] }).faults);
    const bases: Json[] = [...plans, { faults: plans[0] }, [{ target: 'crm.lookupCustomer', mode: 'error', status: 503, calls: [1, 3], fromMs: 0, toMs: 60000, probability: 0.5 }]];
    await jsonKind('faults', bases, (file) => ['run', happyPath, '--faults', file, '--json'], [happyPath]);
  }, 600_000);

  it('agent', async () => {
    const agent = {
      model: { baseUrl: model.url, name: 'fuzz', apiKeyEnv: 'CALLSIM_FUZZ_KEY', systemPrompt: 'You are a support agent.', stream: false },
      tools: {
        'crm.lookupCustomer': { url: `${tools.url}/customers/lookup`, method: 'POST' },
        'crm.getAccountBalance': { url: `${tools.url}/balance`, method: 'GET', headers: { authorization: 'Bearer ${CALLSIM_FUZZ_TOKEN}' } },
      },
      allowEnv: ['CALLSIM_FUZZ_TOKEN'],
    };
    const bases = [agent, { ...agent, model: { ...agent.model, stream: true } }, { tools: agent.tools }];
    await jsonKind('agent', bases, (file) => ['run', happyPath, '--agent', file, '--json'], [happyPath]);
  }, 600_000);
});
