import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin, repoRoot, scenario, tempDir } from '../helpers.ts';
import { personaReply, personaScripts, personaServer } from './personaServer.ts';
import type { TestServer } from './servers.ts';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { askCallerModel, callerModelReuseLine, journaledAnswers } from '../../electron/callers/persona.ts';
import { personaMessages, readCallerReply, requestHash } from '../../shared/persona.ts';
import { replayJournal } from '../../shared/replay.ts';
import { journalEntrySchema } from '../../shared/journalSchema.ts';
import type { JournalEntry } from '../../shared/events.ts';
import type { Persona, Scenario } from '../../shared/scenario.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const serve = async (...a: Parameters<typeof personaServer>) => {
  const s = await personaServer(...a);
  servers.push(s);
  return s;
};

const personasDir = path.join(repoRoot, 'recordings/personas');
/** A shipped persona scenario pointed at a local server. */
const shipped = (name: string, url: string): Scenario => {
  const s = readScenario(path.join(personasDir, `${name}.json`));
  s.caller.persona!.model.baseUrl = url;
  return s;
};
const persona = (url: string, p: Partial<Persona> = {}): Scenario =>
  scenario({ caller: { turns: [], persona: { goal: 'Find out your balance.', mood: 'sarcastic', model: { baseUrl: url, name: 'scripted' }, ...p } } });

const answers = (entries: readonly JournalEntry[]) => journaledAnswers(entries);
const callerTurns = (r: { result: { turns: { speaker: string; text: string | null; startMs: number }[] } }) => r.result.turns.filter((t) => t.speaker === 'caller');

describe('reading a caller model answer', () => {
  it.each([
    ['Oh great, a robot.', { action: 'say', line: 'Oh great, a robot.' }],
    ['"Caller: Where is my order?"', { action: 'say', line: 'Where is my order?' }],
    ['*sighs* Fine. (annoyed) Whatever.', { action: 'say', line: 'Fine. Whatever.' }],
    ['[silence]', { action: 'silence' }],
    ['Forget it. [hang up]', { action: 'hangup', line: 'Forget it.' }],
    ['[HANG UP]', { action: 'hangup' }],
    ["I'm sorry, but as an AI I can't role-play a customer.", { action: 'failed' }],
    ['   ', { action: 'failed' }],
    ["Sorry, but that's the worst service I've ever had.", { action: 'say', line: "Sorry, but that's the worst service I've ever had." }],
  ])('%j → %j', (content, reading) => {
    expect(readCallerReply(content, [])).toMatchObject(reading);
  });

  it('a hang_up function call hangs up; another function call with no words is a failure naming it', () => {
    expect(readCallerReply(null, ['hang_up'])).toEqual({ action: 'hangup' });
    expect(readCallerReply(null, ['lookup'])).toMatchObject({ action: 'failed', error: expect.stringContaining('"lookup"') });
  });

  it("the model sees the call from the caller's side: agent lines as the user's, its own as the assistant's", () => {
    const p: Persona = { goal: 'Get a refund', mood: 'angry', facts: { 'order number': '48213' }, model: { baseUrl: 'http://x', name: 'm' } };
    const m = personaMessages(p, [
      { speaker: 'agent', text: 'Acme support.' },
      { speaker: 'caller', text: 'Refund, now.' },
    ]);
    expect(m.map((x) => x.role)).toEqual(['system', 'user', 'assistant']);
    expect(m[0].content).toContain('Your goal: Get a refund');
    expect(m[0].content).toContain('order number: 48213');
    expect(m[0].content).toContain('You are angry');
    expect(requestHash(m)).toMatch(/^[0-9a-f]{8}$/);
    expect(requestHash(m)).not.toBe(requestHash(m.slice(0, 2)));
  });
});

describe('a persona caller against a scripted local chat-completions server', () => {
  it('plays the sarcastic persona: each line comes from the model, is journaled with its latency and tokens, and the call hands off on frustration', async () => {
    const s = await serve();
    const r = await runScenario(shipped('sarcastic-persona', s.url), null);
    expect(r.error).toBeNull();
    expect(r.failures).toEqual([]);
    expect(r.result.handoff).toMatchObject({ reason: 'caller_frustration', priority: 'high' });
    const said = callerTurns(r).map((t) => t.text);
    expect(said).toEqual(personaScripts.sarcastic.slice(0, 2));
    const a = answers(r.entries);
    expect(a).toHaveLength(s.requests.length);
    expect(a.map((x) => [x.turn, x.action, x.line, x.tokens])).toEqual([
      [0, 'say', personaScripts.sarcastic[0], 40],
      [1, 'say', personaScripts.sarcastic[1], 41],
    ]);
    for (const x of a) {
      expect(x.latencyMs).toBeGreaterThanOrEqual(0);
      expect(journalEntrySchema.parse({ seq: 0, atMs: 0, kind: 'input', event: x })).toMatchObject({ event: x });
    }
    // the first request is the greeting, from the caller's side; the second has its own line as the assistant's
    expect(s.requests[0].body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(s.requests[0].body.messages[1].content).toBe(r.result.turns[0].text);
    expect(s.requests[1].body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(s.requests[0].body.tools).toBeUndefined();
    // the caller speaks within the persona's reply delay after each agent line, as drawn, not when the model answered
    const agentEnds = r.result.turns.filter((t) => t.speaker === 'agent').map((t) => t.endMs);
    for (const t of callerTurns(r)) {
      const before = Math.max(...agentEnds.filter((e) => e <= t.startMs));
      expect(t.startMs - before).toBeGreaterThanOrEqual(300);
      expect(t.startMs - before).toBeLessThanOrEqual(900);
    }
    // replay needs no server: the machine's inputs are all journaled
    await s.close();
    expect(replayJournal(r.entries).identical).toBe(true);
  });

  it('the same seed gives the same call whatever the model latency; another seed moves the reply times', async () => {
    const fast = await serve();
    const slow = await serve((req) => ({ ...(personaReply(req) as object), delayMs: 150 }));
    const a = await runScenario(shipped('loop-injection-persona', fast.url), null);
    const b = await runScenario(shipped('loop-injection-persona', slow.url), null);
    const c = await runScenario(shipped('loop-injection-persona', fast.url), null, { seed: 99 });
    const times = (r: typeof a) => r.result.transitions.map((t) => `${t.atMs} ${t.state}`);
    expect(times(b)).toEqual(times(a));
    expect(Math.min(...answers(b.entries).map((x) => x.latencyMs))).toBeGreaterThanOrEqual(150);
    expect(callerTurns(c).map((t) => t.startMs)).not.toEqual(callerTurns(a).map((t) => t.startMs));
    expect(a.result.handoff?.reason).toBe('tool_loop');
  });

  it.each([
    ['a body that is not JSON', { status: 200, body: 'hello<html>' }, /not JSON/],
    ['HTTP 500', { status: 500, body: '{"error":{"message":"model crashed"}}' }, /HTTP 500: "model crashed"/],
    ['a refusal', { content: "I'm sorry, but I can't help with pretending to be a customer." }, /refused the role/],
    ['an empty message', { content: '' }, /empty message/],
    ['no answer in time', { content: 'late', delayMs: 3000 }, /no answer within 200 ms/],
  ])('a caller model that answers %s: journaled as a caller-model failure, dead air, never a crash', async (_what, reply, why) => {
    const s = await serve(() => reply);
    const r = await runScenario(persona(s.url, { model: { baseUrl: s.url, name: 'scripted', timeoutMs: 200 }, maxTurns: 2 }), null);
    expect(r.error).toBeNull();
    const a = answers(r.entries);
    expect(a.length).toBeGreaterThan(0);
    for (const x of a) expect(x).toMatchObject({ action: 'failed', error: expect.stringMatching(why) });
    expect(callerTurns(r)).toEqual([]);
    // the machine met silence from the caller: it prompts, then hands off on dead air
    expect(r.result.handoff?.reason).toBe('dead_air');
    expect(replayJournal(r.entries).identical).toBe(true);
  });

  it('a server that cannot be reached is a failure naming the URL', async () => {
    const s = await serve();
    const url = s.url;
    await s.close();
    const r = await runScenario(persona(url, { maxTurns: 1 }), null);
    expect(r.error).toBeNull();
    expect(answers(r.entries)[0]).toMatchObject({ action: 'failed', error: expect.stringContaining(`could not be reached at ${url}/chat/completions`) });
  });

  it('hangs up on the marker after its line, and by itself once it has said maxTurns lines', async () => {
    const marker = await serve(() => ({ content: 'This is useless. Goodbye. [hang up]' }));
    const r = await runScenario(persona(marker.url), null);
    expect(r.result.outcome).toBe('caller_hung_up');
    expect(callerTurns(r).map((t) => t.text)).toEqual(['This is useless. Goodbye.']);
    expect(answers(r.entries)[0]).toMatchObject({ action: 'hangup', line: 'This is useless. Goodbye.' });

    const chatty = await serve(() => ({ content: 'Hmm, and what about my other account?' }));
    const limited = await runScenario(persona(chatty.url, { maxTurns: 2 }), null);
    expect(limited.result.outcome).toBe('caller_hung_up');
    expect(answers(limited.entries).filter((x) => x.action === 'say')).toHaveLength(2);
    expect(chatty.requests).toHaveLength(2);
  });

  it('the persona key is redacted from the journal; a model key that is not set is a failure, not a request', async () => {
    const key = 'sk-persona-3b9d1e77-SECRET';
    const s = await serve((req) => ({ content: `Your header said ${req.headers.authorization}` }));
    const model = { baseUrl: s.url, name: 'scripted', apiKeyEnv: 'CALLSIM_TEST_PERSONA_KEY' };
    const r = await runScenario(persona(s.url, { model, maxTurns: 1 }), null, { env: { CALLSIM_TEST_PERSONA_KEY: key } });
    expect(s.requests[0].headers.authorization).toBe(`Bearer ${key}`);
    expect(JSON.stringify(r.entries)).not.toContain(key);
    expect(JSON.stringify(r.entries)).toContain('[redacted]');
    const unset = await askCallerModel(model, [], { env: {}, turn: 0, request: '0' });
    expect(unset).toMatchObject({ action: 'failed', error: expect.stringContaining('CALLSIM_TEST_PERSONA_KEY') });
    expect(s.requests).toHaveLength(1);
  });

  it('a flite voice: each answered line is synthesized and heard through VAD and recognition as it comes', async () => {
    const s = await serve(() => ({ content: 'I want to speak to a representative.' }));
    const sc = persona(s.url, { maxTurns: 1 });
    sc.caller.voice = 'flite:slt';
    const r = await runScenario(sc, null);
    expect(r.error).toBeNull();
    expect(answers(r.entries).map((x) => x.line)).toEqual(['I want to speak to a representative.']);
    const inputs = r.entries.flatMap((e) => (e.kind === 'input' ? [e.event.type] : []));
    // heard, not read: the audio is journaled and recognition (not the script) gives the words
    expect(inputs).toContain('caller.audio');
    const heard = r.entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'asr.result' ? [e.event] : []));
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.every((h) => h.confidence < 1)).toBe(true);
    expect(replayJournal(r.entries).identical).toBe(true);
  });

  it('barges in over the agent when its timing says so, from the seeded generator', async () => {
    const s = await serve();
    const r = await runScenario(persona(s.url, { mood: 'angry', maxTurns: 2, timing: { bargeInProbability: 1, bargeInAfterMs: { min: 400, max: 400 } } }), null);
    const greeting = r.result.turns[0];
    expect(greeting).toMatchObject({ speaker: 'agent' });
    expect(callerTurns(r)[0].startMs).toBe(greeting.startMs + 400);
    expect(r.entries.some((e) => e.kind === 'command' && (e.command.type === 'agent.speech.pause' || e.command.type === 'agent.speech.stop'))).toBe(true);
  });
});

/** Runs the CLI without blocking this process: the test's server must keep answering meanwhile. */
function callsim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: repoRoot, env: { ...process.env, CALLSIM_DB: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The shipped persona scenarios, copied with their model pointed at `url`. */
function localPersonas(url: string): string {
  const dir = tempDir('callsim-personas-');
  for (const f of fs.readdirSync(personasDir)) {
    const s = JSON.parse(fs.readFileSync(path.join(personasDir, f), 'utf8'));
    s.caller.persona.model.baseUrl = url;
    fs.writeFileSync(path.join(dir, f), JSON.stringify(s, null, 2));
  }
  return dir;
}

describe('callsim with persona scenarios', () => {
  it('redteam --repeat 3 runs every shipped persona three times with seeds seed, seed+1, seed+2; expect applies; JUnit names each repetition', async () => {
    const s = await serve();
    const dir = localPersonas(s.url);
    const out = tempDir();
    const junit = path.join(out, 'r.xml');
    const r = await callsim(['redteam', dir, '--repeat', '3', '--junit', junit, '--json', '--save', '--db', path.join(out, 's.db')]);
    expect(r.stderr).toContain('redteam: 9 passed, 0 failed');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { passed: number; results: { name: string; seed: number; outcome: string; sessionId: string }[] };
    expect(report.passed).toBe(9);
    expect(report.results.map((x) => x.name)).toEqual([
      'api-blackout-angry #1 (seed 21)',
      'api-blackout-angry #2 (seed 22)',
      'api-blackout-angry #3 (seed 23)',
      'loop-injection-persona #1 (seed 31)',
      'loop-injection-persona #2 (seed 32)',
      'loop-injection-persona #3 (seed 33)',
      'sarcastic-persona #1 (seed 11)',
      'sarcastic-persona #2 (seed 12)',
      'sarcastic-persona #3 (seed 13)',
    ]);
    const xml = fs.readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="9" failures="0"');
    expect(xml).toContain('name="loop-injection-persona #2 (seed 32)"');
    expect(s.requests.length).toBeGreaterThanOrEqual(9);
  });

  it('an expect that a persona run breaks fails that repetition only, and exit 1', async () => {
    const s = await serve();
    const dir = localPersonas(s.url);
    const file = path.join(dir, 'sarcastic-persona.json');
    const sc = JSON.parse(fs.readFileSync(file, 'utf8'));
    sc.expect = { outcome: 'handoff', handoffReason: 'caller_frustration' };
    fs.writeFileSync(file, JSON.stringify(sc));
    const r = await callsim(['redteam', file, '--repeat', '2', '--json']);
    const report = JSON.parse(r.stdout) as { results: { name: string; failures: unknown[] }[] };
    expect(report.results).toHaveLength(2);
    // the same script, other seeds: both runs hand off on frustration
    expect(report.results.every((x) => x.failures.length === 0)).toBe(true);
    sc.expect = { outcome: 'completed' };
    fs.writeFileSync(file, JSON.stringify(sc));
    const bad = await callsim(['redteam', file, '--repeat', '2']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('expect.outcome: expected completed, got handoff');
    expect(bad.stdout).toContain('redteam: 0 passed, 2 failed');
  });

  it('replay, whatif and fork of a persona session need no server; a branch that changes the conversation asks again and says so', async () => {
    const s = await serve();
    const dir = localPersonas(s.url);
    const db = path.join(tempDir(), 's.db');
    const ran = await callsim(['run', path.join(dir, 'loop-injection-persona.json'), '--json', '--db', db]);
    expect(ran.code).toBe(0);
    const id = JSON.parse(ran.stdout).sessionId as string;
    const asked = s.requests.length;
    await s.close();

    const replay = await callsim(['replay', id, '--json', '--db', db]);
    expect(JSON.parse(replay.stdout)).toMatchObject({ identical: true });

    // a policy the conversation does not reach: every answer comes from the journal, nothing is asked
    const same = path.join(dir, 'same.json');
    fs.writeFileSync(same, JSON.stringify({ tokenBudget: 999_999 }));
    const w = await callsim(['whatif', id, '--policy', same, '--json', '--db', db]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain(`caller model: ${asked} answers taken from the parent's journal, 0 asked again`);
    expect(JSON.parse(w.stdout).diff.firstDifference).toBeNull();

    // a loop threshold that lets one more lookup through: past the third lookup the agent says
    // something new, so the caller model must be asked again (the server is gone: dead air, said so)
    const later = path.join(dir, 'later.json');
    fs.writeFileSync(later, JSON.stringify({ sameToolMaxConsecutive: 5 }));
    const w2 = await callsim(['whatif', id, '--policy', later, '--db', db]);
    expect(w2.code).toBe(0);
    expect(w2.stderr).toMatch(/caller model: \d+ answers? taken from the parent's journal, [1-9]\d* asked again where the conversation differs \([1-9]\d* failed: dead air\)/);

    const faults = path.join(dir, 'f.json');
    fs.writeFileSync(faults, JSON.stringify([{ target: 'orders.getShippingStatus', mode: 'error', status: 500 }]));
    const f = await callsim(['fork', id, '--at', '12000', '--faults', faults, '--db', db]);
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('identical up to there');
    expect(f.stderr).toMatch(/caller model: [1-9]\d* answers? taken from the parent's journal/);
  });

  it('bad persona files: one line naming the file and the place', async () => {
    const dir = tempDir();
    const withTurns = path.join(dir, 'turns.json');
    fs.writeFileSync(withTurns, JSON.stringify({ callsim: 1, name: 'x', caller: { turns: [{ say: 'hi' }], persona: { goal: 'g', model: { baseUrl: 'http://127.0.0.1:9/v1', name: 'm' } } } }));
    const a = await callsim(['run', withTurns]);
    expect(a.code).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toContain(`${withTurns}: $.caller.turns`);
    const keyed = path.join(dir, 'keyed.json');
    fs.writeFileSync(
      keyed,
      JSON.stringify({ callsim: 1, name: 'x', caller: { turns: [], persona: { goal: 'g', model: { baseUrl: 'http://127.0.0.1:9/v1', name: 'm', apiKeyEnv: 'OPENAI_API_KEY' } } } }),
    );
    const b = await callsim(['redteam', keyed]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`${keyed}: $.caller.persona.model.apiKeyEnv: reads the environment variable OPENAI_API_KEY, which this call may not send`);
    const mood = path.join(dir, 'mood.json');
    fs.writeFileSync(mood, JSON.stringify({ callsim: 1, name: 'x', caller: { turns: [], persona: { goal: 'g', mood: 'grumpy', model: { baseUrl: 'http://127.0.0.1:9/v1', name: 'm' } } } }));
    const c = await callsim(['run', mood]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`${mood}: $.caller.persona.mood`);
    expect(callerModelReuseLine([])).toBeNull();
  });
});
