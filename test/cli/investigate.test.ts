import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { machineGraph, transitionName } from '../../shared/graph.ts';
import { callMachine } from '../../shared/machine.ts';
import { cliBin, libraryDir, libraryNames, repoRoot, tempDir } from '../helpers.ts';

function callsim(args: string[], db: string) {
  const r = spawnSync(process.execPath, [cliBin, ...args, '--db', db], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const scenarioPath = (name: string) => path.join(repoRoot, 'recordings/scenarios', `${name}.json`);
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const transitionNames = machineGraph(callMachine).transitions.map(transitionName);

describe('callsim replay', () => {
  it('a saved session replays identically: exit 0 and the SPEC §1 JSON', () => {
    const db = path.join(tempDir(), 'r.db');
    const run = json(callsim(['run', scenarioPath('crm-blackout'), '--json'], db));
    const r = callsim(['replay', run.sessionId, '--json'], db);
    expect(r.code).toBe(0);
    expect(json(r)).toEqual({ sessionId: run.sessionId, identical: true, events: expect.any(Number), transitions: run.transitions.length, divergence: null });
  });

  it('a tampered journal: exit 1, the first differing transition in words and JSON', () => {
    const db = path.join(tempDir(), 't.db');
    const run = json(callsim(['run', scenarioPath('crm-blackout'), '--json'], db));
    const d = new Database(db);
    const row = d.prepare(`SELECT seq, payload FROM journal WHERE session_id = ? AND type = 'tool.result' ORDER BY seq LIMIT 1`).get(run.sessionId) as { seq: number; payload: string };
    const ev = JSON.parse(row.payload);
    ev.outcome = 'ok';
    ev.data = { customerId: 'C-1', name: 'Tampered', tier: 'gold' };
    d.prepare('UPDATE journal SET payload = ? WHERE session_id = ? AND seq = ?').run(JSON.stringify(ev), run.sessionId, row.seq);
    d.close();
    const words = callsim(['replay', run.sessionId], db);
    expect(words.code).toBe(1);
    expect(words.stdout).toMatch(/DIVERGED at transition \d+ \(\d+\.\d+ s\)\n {2}expected: active\.conversation\.tool\w+ at \d+ ms\n {2}actual: {3}active\.conversation\.thinking/);
    const r = json(callsim(['replay', run.sessionId, '--json'], db));
    expect(r.identical).toBe(false);
    expect(r.divergence).toMatchObject({ index: expect.any(Number), atMs: expect.any(Number), expected: expect.stringContaining('tool'), actual: expect.stringContaining('thinking') });
  });
});

describe('callsim whatif and fork', () => {
  it('whatif re-runs under another policy, stores the run linked to its parent, and reports the diff', () => {
    const dir = tempDir();
    const db = path.join(dir, 'w.db');
    const run = json(callsim(['run', scenarioPath('crm-blackout'), '--json'], db));
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ circuitBreakerFailures: 2 }));
    const r = json(callsim(['whatif', run.sessionId, '--policy', path.join(dir, 'p.json'), '--json'], db));
    expect(r.parent.handoff.atMs).toBe(run.handoff.atMs);
    expect(r.child.handoff.reason).toBe('backend_failure');
    expect(r.child.handoff.atMs).toBeLessThan(r.parent.handoff.atMs);
    expect(r.diff.policyChanged).toEqual(['circuitBreakerFailures: 3 → 2']);
    expect(r.diff.toolCalls).toEqual([3, 2]);
    expect(r.diff.firstDifference).not.toBeNull();
    const list = json(callsim(['sessions', 'list', '--json'], db));
    expect(list.map((s: { sessionId: string }) => s.sessionId)).toContain(r.child.sessionId);
    const words = callsim(['whatif', run.sessionId, '--policy', path.join(dir, 'p.json')], db).stdout;
    expect(words).toMatch(/handoff +backend_failure \(high\) at \d+ ms +backend_failure \(high\) at \d+ ms +← changed/);
  });

  it('fork is identical up to --at, then goes on under the new faults', () => {
    const dir = tempDir();
    const db = path.join(dir, 'f.db');
    const run = json(callsim(['run', scenarioPath('happy-path'), '--json'], db));
    expect(run.outcome).toBe('completed');
    const at = run.toolCalls[0].startMs - 1;
    fs.writeFileSync(path.join(dir, 'f.json'), JSON.stringify([{ target: 'crm.lookupCustomer', mode: 'error', status: 500 }]));
    const r = json(callsim(['fork', run.sessionId, '--at', String(at), '--faults', path.join(dir, 'f.json'), '--json'], db));
    expect(r.checkedTransitions).toBe(run.transitions.filter((t: { atMs: number }) => t.atMs < at).length);
    expect(r.result.transitions.slice(0, r.checkedTransitions)).toEqual(run.transitions.slice(0, r.checkedTransitions));
    expect(r.result.handoff.reason).toBe('backend_failure');
    expect(callsim(['replay', r.result.sessionId, '--json'], db).code).toBe(0);
    expect(callsim(['fork', run.sessionId, '--at', '99999999', '--faults', path.join(dir, 'f.json')], db).stderr).toMatch(/--at: 99999999 ms is after the end of session/);
  });
});

describe('callsim sessions to-scenario', () => {
  it('an incident becomes a scenario whose run reproduces the session transitions and passes its expect block', () => {
    const dir = tempDir();
    const db = path.join(dir, 's.db');
    const run = json(callsim(['run', scenarioPath('barge-in'), '--json'], db));
    const file = path.join(dir, 'incident.json');
    const made = callsim(['sessions', 'to-scenario', run.sessionId, '-o', file], db);
    expect(made.code).toBe(0);
    expect(made.stderr).toContain(`checked: running it takes the session's ${run.transitions.length} transitions again, at the same times\n`);
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(s.expect).toMatchObject({ outcome: 'handoff', handoffReason: 'caller_request', handoffPriority: 'high', handoffWithinMs: run.handoff.atMs });
    const again = callsim(['run', file, '--json'], db);
    expect(again.code).toBe(0);
    expect(json(again).transitions).toEqual(run.transitions);
  });

  it('says where a scenario cannot reproduce the session and why: a recorded call becomes text turns', () => {
    const dir = tempDir();
    const db = path.join(dir, 'a.db');
    const run = json(callsim(['run', path.join(repoRoot, 'recordings/audio/cards-call-8k.wav'), '--json'], db));
    const made = callsim(['sessions', 'to-scenario', run.sessionId, '-o', path.join(dir, 'a.json')], db);
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/\nchecked: it parts from the session at transition \d+ \(\d+ ms\): .+ → .+; the caller's recorded audio becomes text turns, whose lengths are estimated\n$/);
  }, 120_000); // the recording is heard first: ~16 s alone here, 36 s beside other work
});

describe('callsim redteam', () => {
  it('on a terminal, progress is one bar redrawn in place with done/total and the failures so far', () => {
    const dir = tempDir();
    const good = path.join(dir, 'a.json');
    fs.copyFileSync(scenarioPath('happy-path'), good);
    const bad = path.join(dir, 'b.json');
    fs.writeFileSync(bad, JSON.stringify({ ...JSON.parse(fs.readFileSync(good, 'utf8')), name: 'wrong-expect', expect: { outcome: 'handoff' } }));
    // script(1) gives the command a terminal; stdout goes away, so what it prints is stderr
    const cmd = `'${process.execPath}' '${cliBin}' redteam '${good}' '${bad}' --jobs 1 --db '${path.join(dir, 'r.db')}' >/dev/null`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    const frames = r.stdout.split('\r').filter((f) => f.startsWith('['));
    expect(frames.map((f) => f.replace(/ +$/, '').replace(/\n$/, ''))).toEqual([`[${'█'.repeat(15)}${'░'.repeat(15)}] 1/2  failed 0  happy-path`, `[${'█'.repeat(30)}] 2/2  failed 1  wrong-expect`]);
    expect(r.stdout).not.toMatch(/\[1\/2\] pass/); // not the plain lines meant for logs
  });

  it('runs the library in parallel, writes JUnit, reports coverage, closes with a pass/fail line', () => {
    const dir = tempDir();
    const junit = path.join(dir, 'out.xml');
    const r = callsim(['redteam', path.join(repoRoot, 'recordings/scenarios'), '--junit', junit, '--coverage', '--json'], path.join(dir, 'x.db'));
    expect(r.code).toBe(0);
    // --json: stdout is the report and nothing else; the closing line goes to stderr
    const report = JSON.parse(r.stdout);
    const n = libraryNames().length;
    expect(report.passed).toBe(n);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`redteam: ${n} passed, 0 failed`);
    // the library takes every path of the machine; the guarded ones are each reported on their own
    expect(report.coverage.states).toEqual({ total: 25, entered: 25, never: [] });
    // the one transition only sessions journaled before pauses existed take is reported apart, not counted
    const legacy = 'active.conversation.agentSpeaking.callerOverlap --after bargeInMinSpeechMs [stopsWithoutPause]--> active.conversation.callerSpeaking';
    expect(report.coverage.transitions.legacy).toEqual([legacy]);
    // and the one only a live audio call's partial results take (caller.speech.turn)
    expect(report.coverage.transitions.liveOnly).toEqual(['active.conversation.agentSpeaking.paused --caller.speech.turn--> active.conversation.callerSpeaking']);
    expect(report.coverage.transitions.total).toBe(machineGraph(callMachine).transitions.length - 2);
    expect(report.coverage.transitions.never).toEqual([]);
    expect(report.coverage.transitions.taken).toBe(report.coverage.transitions.total);
    for (const t of [
      'active.conversation.thinking --agent.response [tokenBudget]--> handoff',
      'active.conversation.thinking --agent.response [isAgentHandoff]--> handoff',
      'active.conversation.thinking --agent.response [noProgressTurns]--> handoff',
      'active.conversation.thinking --agent.response [sameToolMaxConsecutive]--> active.conversation.fallbackScript',
      'active.conversation.toolFailed --always [circuitBreakerFailures]--> handoff',
      'active.callerMonitor --asr.result [callerAsksForHuman]--> handoff',
      'active.callerMonitor --asr.result [frustrationThreshold]--> handoff',
    ]) {
      expect(transitionNames).toContain(t);
      expect(report.coverage.transitions.never).not.toContain(t);
    }
    const xml = fs.readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(n);
    expect(xml).toContain('name="coverage.transitions"');
    expect(r.stderr).toMatch(new RegExp(`\\[${n}/${n}\\] (pass|FAIL)`));
  });

  it('--coverage tells guarded paths to the same target apart: one scenario takes one of them', () => {
    const db = path.join(tempDir(), 'c.db');
    const never = (name: string) => {
      const r = callsim(['redteam', scenarioPath(name), '--coverage', '--json'], db);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout.split('\n')[0]).coverage.transitions.never as string[];
    };
    const toHandoff = (guard: string) => `active.conversation.thinking --agent.response [${guard}]--> handoff`;
    const noProgress = never('no-progress');
    expect(noProgress).not.toContain(toHandoff('noProgressTurns'));
    expect(noProgress).toContain(toHandoff('tokenBudget'));
    expect(noProgress).toContain(toHandoff('isAgentHandoff'));
    expect(noProgress).toContain('active.callerMonitor --asr.result [callerAsksForHuman]--> handoff');
    const callerRequest = never('caller-request');
    expect(callerRequest).not.toContain('active.callerMonitor --asr.result [callerAsksForHuman]--> handoff');
    expect(callerRequest).toContain('active.callerMonitor --asr.result [frustrationThreshold]--> handoff');
    expect(callerRequest).toContain(toHandoff('noProgressTurns'));
  });

  it('--shard i/n splits the suite into disjoint slices that cover it', () => {
    const dir = tempDir();
    const names = (i: number) => JSON.parse(callsim(['redteam', '--shard', `${i}/3`, '--json'], path.join(dir, 'x.db')).stdout.split('\n')[0]).results.map((x: { name: string }) => x.name);
    const [a, b, c] = [names(1), names(2), names(3)];
    const all = [...a, ...b, ...c];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(libraryNames().length);
    expect(callsim(['redteam', '--shard', '4/3'], path.join(dir, 'x.db')).stderr).toMatch(/--shard: "4\/3" is not i\/n/);
  });

  it('a failing expectation fails the suite with exit 1 and a JUnit failure', () => {
    const dir = tempDir();
    const s = JSON.parse(fs.readFileSync(scenarioPath('happy-path'), 'utf8'));
    s.expect = { outcome: 'handoff' };
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(s));
    fs.copyFileSync(scenarioPath('crm-blackout'), path.join(dir, 'good.json'));
    const r = callsim(['redteam', dir, '--junit', path.join(dir, 'j.xml')], path.join(dir, 'x.db'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('redteam: 1 passed, 1 failed');
    expect(fs.readFileSync(path.join(dir, 'j.xml'), 'utf8')).toContain('<failure message="expect.outcome: expected handoff, got completed"/>');
  });
});

describe('a session cut short by SIGKILL', () => {
  it('keeps every event journaled before the cut, shows interrupted, and replays identically up to it', async () => {
    const db = path.join(tempDir(), 'kill.db');
    const child = spawn(process.execPath, [cliBin, 'run', scenarioPath('dead-air'), '--realtime', '--db', db], { cwd: repoRoot, stdio: 'ignore' });
    const rows = () => {
      if (!fs.existsSync(db)) return 0;
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (d.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
      } catch {
        return 0;
      } finally {
        d.close();
      }
    };
    const deadline = Date.now() + 20_000;
    while (rows() < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const running = JSON.parse(callsim(['sessions', 'list', '--json'], db).stdout);
    expect(running[0].status).toBe('running');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const kept = rows();
    expect(kept).toBeGreaterThanOrEqual(12);
    const [s] = JSON.parse(callsim(['sessions', 'list', '--json'], db).stdout);
    expect(s).toMatchObject({ status: 'interrupted', events: kept });
    const replay = JSON.parse(callsim(['replay', s.sessionId, '--json'], db).stdout);
    expect(replay).toMatchObject({ identical: true, divergence: null });
    expect(replay.transitions).toBeGreaterThan(2);
  }, 40_000);
});

describe('runSuite', () => {
  it('finishes when there are more workers than cases, and with no cases at all', async () => {
    const { runSuite } = await import('../../electron/engine/redteam.ts');
    const one = [path.join(repoRoot, 'recordings/scenarios/happy-path.json')];
    const r = await runSuite(one, { jobs: 4 });
    expect(r.map((x) => x.outcome)).toEqual(['completed']);
    expect(await runSuite([], { jobs: 2 })).toEqual([]);
  }, 60_000);

  it('chooses its size: another worker only while the work left, at the rate results come, outlasts what one costs', async () => {
    const { worthAnotherWorker } = await import('../../electron/engine/redteam.ts');
    const every = (ms: number, n: number) => Array.from({ length: n }, (_, i) => i * ms);
    expect(worthAnotherWorker(5000, [], 10_000)).toBe(false); // nothing finished yet: nothing to judge by
    expect(worthAnotherWorker(5000, every(4, 40), 160)).toBe(false); // 40 results in 160 ms: too few to judge
    // 128 results at 4 ms a result: 292 left is ~1.2 s of work, 4,072 left ~16 s
    expect(worthAnotherWorker(292, every(4, 128), 512)).toBe(false);
    expect(worthAnotherWorker(4072, every(4, 128), 512)).toBe(true);
    // slow cases (voiced): two results a second apart, then a wait; judged once they span a second
    expect(worthAnotherWorker(20, [0, 900], 950)).toBe(false);
    expect(worthAnotherWorker(20, [0, 900], 1200)).toBe(true);
    expect(worthAnotherWorker(2, [0, 900], 1200)).toBe(false);
  });

  it('a small suite runs on one worker, a large one on every core; `jobs` starts that many at once', async () => {
    const { runSuite } = await import('../../electron/engine/redteam.ts');
    const { scenarioFiles } = await import('../../electron/input/files.ts');
    const os = await import('node:os');
    const lib = scenarioFiles([libraryDir]);
    const sized = async (files: string[], jobs?: number) => {
      const pool: number[] = [];
      const results = await runSuite(files, { jobs, onWorkers: (n) => pool.push(n) });
      expect(results.filter((r) => r.error || r.failures.length).map((r) => r.name)).toEqual([]);
      expect(results.map((r) => r.file)).toEqual(files);
      return pool;
    };
    expect(await sized(lib)).toEqual([1]);
    expect(await sized(lib, 2)).toEqual([1, 2]);
    const large = await sized(Array.from({ length: 100 }, () => lib).flat()); // 2,100 calls
    const cores = os.availableParallelism();
    expect(large).toEqual(Array.from({ length: large.length }, (_, i) => i + 1));
    expect(large.length).toBeGreaterThanOrEqual(Math.min(cores, 2));
    expect(large.length).toBeLessThanOrEqual(cores);
  }, 60_000);

  it('workers run one bundle of the current sources and JavaScript packages, named by its content, with native packages left to node_modules', async () => {
    const { workerBundle } = await import('../../electron/engine/redteam.ts');
    const { createHash } = await import('node:crypto');
    const file = await workerBundle();
    expect(path.dirname(file)).toBe(path.join(repoRoot, 'dist/redteam'));
    const code = fs.readFileSync(file);
    expect(path.basename(file)).toBe(`worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    expect(await workerBundle()).toBe(file);
    const text = code.toString('utf8');
    // our own modules and the JavaScript packages are inside it (no TypeScript, no xstate or zod
    // to load); the native packages are imported, onnxruntime only when a VAD model is loaded
    expect(text).not.toMatch(/from ["'][^"']*\.ts["']/);
    expect(text).toContain('function runScenario(');
    expect(text).not.toMatch(/from ["'](xstate|zod|jsonc-parser)["']/);
    expect(text).toContain('function createActor(');
    expect(text).toMatch(/from ["']better-sqlite3["']/);
    expect(text).not.toMatch(/from ["']onnxruntime-node["']/);
    expect(text).toContain('import("onnxruntime-node")');
  }, 30_000);
});
