import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import fs from 'node:fs';
import { SessionStore } from '../../electron/store/sessions.ts';
import { CallsimApi } from '../../electron/api/api.ts';
import { sessionCheckpoints } from '../../electron/api/checkpoints.ts';
import { viewJournal, pcmPeaks } from '../../electron/api/view.ts';
import { scenarioSetup } from '../../electron/engine/setup.ts';
import type { PushBatch } from '../../shared/ipc.ts';
import type { JournalEntry } from '../../shared/events.ts';
import { readScenario } from '../../electron/input/files.ts';
import { repoRoot, tempDir } from '../helpers.ts';
import { personaServer } from '../byo/personaServer.ts';

const recordingsDir = path.join(repoRoot, 'recordings');
let open: { api: CallsimApi; store: SessionStore }[] = [];
afterEach(async () => {
  for (const o of open) {
    await o.api.close();
    o.store.close();
  }
  open = [];
});

function makeApi() {
  const store = new SessionStore(path.join(tempDir(), 'api.db'));
  const api = new CallsimApi({ store, recordingsDir });
  const pushes: PushBatch[][] = [];
  api.onPush((b) => pushes.push(b));
  open.push({ api, store });
  return { api, store, pushes };
}
const ok = async <T = any>(p: Promise<any>): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const until = async (cond: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the contract served by CallsimApi', () => {
  it('starts a library scenario and pushes its journal, Stately-shaped inspection events and its result, in few batches', async () => {
    const { api, store, pushes } = makeApi();
    const { sessionId } = await ok(api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' }));
    await until(() => pushes.flat().some((b) => b.ended));
    const batches = pushes.flat().filter((b) => b.sessionId === sessionId);
    // A virtual call runs in one go: its hundreds of events leave in one or two messages.
    expect(pushes.length).toBeLessThanOrEqual(2);
    const entries = batches.flatMap((b) => b.entries);
    expect(entries.map((e) => e.seq)).toEqual(store.journal(sessionId).map((e) => e.seq));
    expect(batches[0].started).toMatchObject({ source: 'scenario:crm-blackout', pacing: 'virtual' });
    const inspection = batches.flatMap((b) => b.inspection);
    const actor = inspection.find((e) => e.type === '@xstate.actor')!;
    expect(actor).toMatchObject({ name: 'call', _version: expect.any(String), createdAt: expect.stringMatching(/^\d+$/), id: expect.any(String), sessionId: expect.any(String) });
    expect(JSON.parse(actor.definition!)).toMatchObject({ id: 'call', initial: 'active' });
    // Snapshots are coalesced: at most one per batch, the newest, with the machine's context.
    for (const b of batches) expect(b.inspection.filter((e) => e.type === '@xstate.snapshot').length).toBeLessThanOrEqual(1);
    const snap = inspection.filter((e) => e.type === '@xstate.snapshot').at(-1)!;
    expect(snap.snapshot).toMatchObject({ status: 'done', value: 'transferred', context: { consecutiveFailures: { crm: 3 } } });
    expect(inspection.some((e) => e.type === '@xstate.event' && e.event?.type === 'tool.result')).toBe(true);
    const ended = batches.find((b) => b.ended)!.ended!;
    expect(ended.result).toEqual(store.result(sessionId));
    expect(ended.result.handoff?.reason).toBe('backend_failure');
  });

  it('a call journaling about a thousand events a second reaches the UI in at most one message per push interval, every entry once', async () => {
    const { api, store } = makeApi();
    // When each message leaves, on the clock the coalescer itself reads (its sentAt, not when
    // this listener got to run: a busy machine can delay one listener call and not the next).
    const sent: { atMs: number; batches: PushBatch[] }[] = [];
    api.onPush((b) => sent.push({ atMs: b[0].sentAt, batches: b }));
    const { longCallScenario } = await import('../bench/ui.ts');
    const { sessionId, done } = await api.live.start(scenarioSetup(longCallScenario('rate', 30)), { pacing: 'realtime', timeScale: 600 });
    await done;
    await until(() => sent.some((m) => m.batches.some((b) => b.ended)));
    const mine = sent.flatMap((m) => m.batches).filter((b) => b.sessionId === sessionId);
    // every journal entry reaches the UI exactly once, in order
    expect(mine.flatMap((b) => b.entries.map((e) => e.seq))).toEqual(store.journal(sessionId).map((e) => e.seq));
    expect(mine.length).toBeGreaterThan(3);
    // Coalesced: messages are never closer than the push interval (a busy machine only spaces
    // them further), but for the one the call's end sends at once.
    const { pushIntervalMs } = await import('../../electron/api/live.ts');
    const gaps = sent.slice(1, -1).map((m, i) => m.atMs - sent[i].atMs);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(pushIntervalMs - 1e-6); // float sums only
    const events = mine.reduce((n, b) => n + b.entries.length, 0);
    expect(events / mine.length).toBeGreaterThan(5);
    for (const b of mine) expect(b.inspection.filter((e) => e.type === '@xstate.snapshot').length).toBeLessThanOrEqual(1);
  });

  it('a realtime call takes a CRM fault from the control panel as a journaled event, and hands off for backend_failure', async () => {
    const { api, store, pushes } = makeApi();
    const setup = scenarioSetup(readScenario(path.join(recordingsDir, 'scenarios/happy-path.json')));
    // Ten times the wall clock, so the test takes about a second.
    const { sessionId, done } = await api.live.start(setup, { pacing: 'realtime', timeScale: 10 });
    await until(() => pushes.flat().some((b) => b.entries.some((e) => e.kind === 'transition' && e.state === 'active.conversation.listening')));
    await ok(api.handle('call.control', { sessionId, action: { type: 'fault.set', fault: { target: 'crm.lookupCustomer', mode: 'error', status: 503 } } }));
    expect((await api.handle('call.control', { sessionId: 'no-such-call', action: { type: 'fault.clear', target: 'asr' } })).ok).toBe(false);
    await done;
    const journal = store.journal(sessionId);
    const control = journal.find((e) => e.kind === 'input' && e.event.type === 'control.fault.set');
    expect(control).toMatchObject({ event: { fault: { target: 'crm.lookupCustomer', mode: 'error', status: 503 } } });
    expect(store.result(sessionId).handoff?.reason).toBe('backend_failure');
    expect(store.result(sessionId).toolCalls.map((c) => c.status)).toEqual([503, 503, 503]);
  });

  it('opens a saved session, gives its checkpoints, replays it, runs a what-if and a fork', async () => {
    const { api } = makeApi();
    const { sessionId } = await ok(api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' }));
    await until(() => api.live.list().length === 0);
    const opened = await ok(api.handle('sessions.open', { sessionId }));
    expect(opened.summary).toMatchObject({ sessionId, status: 'complete', outcome: 'handoff', handoffReason: 'backend_failure' });
    expect(opened.result.handoff.packet.reason).toBe('backend_failure');
    const { checkpoints } = await ok(api.handle('sessions.checkpoints', { sessionId }));
    expect(checkpoints.at(-1).context.consecutiveFailures).toEqual({ crm: 3 });
    expect(checkpoints.map((c: { atMs: number }) => c.atMs)).toEqual([...checkpoints.map((c: { atMs: number }) => c.atMs)].sort((a, b) => a - b));
    expect(await ok(api.handle('sessions.replay', { sessionId }))).toMatchObject({ identical: true, divergence: null });
    const w = await ok(api.handle('sessions.whatif', { sessionId, policy: { circuitBreakerFailures: 2 } }));
    expect(w.diff.policyChanged).toEqual(['circuitBreakerFailures: 3 → 2']);
    expect(w.diff.toolCalls).toEqual([3, 2]);
    expect(w.diff.firstDifference).not.toBeNull();
    const f = await ok(api.handle('sessions.fork', { sessionId, atMs: 1000, faults: [] }));
    const forked = await ok(api.handle('sessions.open', { sessionId: f.sessionId }));
    // Without the blackout from 1 s on, every CRM call answers.
    expect(forked.result.toolCalls.map((c: { outcome: string }) => c.outcome).every((o: string) => o === 'ok')).toBe(true);
    expect(forked.result.handoff?.reason).not.toBe('backend_failure');
    const list = await ok(api.handle('sessions.list', {}));
    expect(list.map((s: { relation: string | null }) => s.relation).sort()).toEqual(['fork', 'whatif', null].sort());
  });

  it('exports, deletes and imports a session; names the file a bad import came from', async () => {
    const { api } = makeApi();
    const { sessionId } = await ok(api.handle('call.start', { source: { kind: 'library', file: 'scenarios/happy-path.json' }, pacing: 'virtual' }));
    await until(() => api.live.list().length === 0);
    const exp = await ok(api.handle('sessions.export', { sessionId }));
    expect(exp.fileName).toBe(`${sessionId}.callsim.json`);
    expect(await ok(api.handle('sessions.delete', { sessionId }))).toEqual({ deleted: true });
    expect(await ok(api.handle('sessions.import', { fileName: exp.fileName, text: exp.json }))).toEqual({ sessionId });
    const bad = await api.handle('sessions.import', { fileName: 'broken.json', text: '{"callsimExport": 2}' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_input', message: expect.stringMatching(/^broken\.json: /) } });
    expect(await api.handle('sessions.open', { sessionId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('runs a scenario file the user opened, and refuses library paths outside recordings/', async () => {
    const { api } = makeApi();
    const text = fs.readFileSync(path.join(recordingsDir, 'scenarios/caller-request.json'), 'utf8');
    const started = await ok(api.handle('call.start', { source: { kind: 'file', name: 'mine.json', text }, pacing: 'virtual' }));
    expect(started.sessionId).toMatch(/^caller-request-/);
    for (const file of ['../package.json', 'scenarios/../../package.json', '/etc/passwd', 'scenarios/x.txt']) {
      const r = await api.handle('call.start', { source: { kind: 'library', file }, pacing: 'virtual' });
      expect(r, file).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    }
    const broken = await api.handle('call.start', { source: { kind: 'file', name: 'mine.json', text: '{"callsim": 1, "name": "x", "caller": {"turns": []}, "oops": 1}' }, pacing: 'virtual' });
    expect(broken).toMatchObject({ ok: false, error: { code: 'bad_input', message: 'mine.json: $: unknown key "oops"' } });
  });

  it('runs a persona scenario the user opened: its caller model is asked, its answers journaled and in the opened session', async () => {
    const server = await personaServer();
    try {
      const { api } = makeApi();
      const sc = JSON.parse(fs.readFileSync(path.join(recordingsDir, 'personas/sarcastic-persona.json'), 'utf8'));
      sc.caller.persona.model.baseUrl = server.url;
      const { sessionId } = await ok(api.handle('call.start', { source: { kind: 'file', name: 'persona.json', text: JSON.stringify(sc) }, pacing: 'virtual' }));
      await until(() => api.live.list().length === 0, 30_000);
      const opened = await ok(api.handle('sessions.open', { sessionId }));
      expect(opened.result.handoff).toMatchObject({ reason: 'caller_frustration' });
      const answers = opened.journal.filter((e: JournalEntry) => e.kind === 'input' && e.event.type === 'caller.model.result');
      expect(answers.length).toBe(server.requests.length);
      expect(answers.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('runs a recorded call of the library through detection and recognition, its audio drawn as a waveform', async () => {
    const { api, store } = makeApi();
    const info = await ok(api.handle('app.info', {}));
    expect(info.audio).toEqual({ available: true, reason: null });
    const { sessionId } = await ok(api.handle('call.start', { source: { kind: 'library', file: 'audio/backchannel-call.wav' }, pacing: 'virtual' }));
    await until(() => api.live.list().length === 0, 60_000);
    expect(store.get(sessionId)).toMatchObject({ source: 'recording:backchannel-call.wav', status: 'complete' });
    const opened = await ok(api.handle('sessions.open', { sessionId }));
    expect(opened.waveform.length).toBeGreaterThan(0);
    expect(opened.journal.some((e: JournalEntry) => e.kind === 'input' && e.event.type === 'caller.audio')).toBe(false);
    expect(opened.result.turns.filter((t: { speaker: string }) => t.speaker === 'caller').length).toBeGreaterThan(0);
  }, 90_000);

  it('lists the library: every scenario with its faults and policy, every recorded call', async () => {
    const { api } = makeApi();
    const lib = await ok(api.handle('library.list', {}));
    const names = fs.readdirSync(path.join(recordingsDir, 'scenarios')).filter((f) => f.endsWith('.json'));
    expect(lib.scenarios).toHaveLength(names.length);
    expect(lib.scenarios.find((s: { name: string }) => s.name === 'crm-blackout').faults).toHaveLength(2);
    expect(lib.recordings.map((r: { file: string }) => r.file)).toEqual(
      fs
        .readdirSync(path.join(recordingsDir, 'audio'))
        .filter((f) => f.endsWith('.wav'))
        .sort()
        .map((f) => `audio/${f}`),
    );
  });
});

describe('what the UI reads of a journal', () => {
  it('checkpoints hold the machine context at each change, the last one the final context', async () => {
    const { api, store } = makeApi();
    const { sessionId } = await ok(api.handle('call.start', { source: { kind: 'library', file: 'scenarios/runaway-tokens.json' }, pacing: 'virtual' }));
    await until(() => api.live.list().length === 0);
    const cps = sessionCheckpoints(store.journal(sessionId));
    expect(cps.at(-1)!.context.tokens).toBe(store.result(sessionId).metrics.tokens);
    for (let i = 1; i < cps.length; i++) expect(JSON.stringify(cps[i].context)).not.toBe(JSON.stringify(cps[i - 1].context));
  });

  it('the view of a journal draws caller audio as peaks and leaves VAD probabilities out', () => {
    const samples = new Int16Array(1600);
    samples[10] = 16384;
    samples[900] = -32768;
    const pcm16 = Buffer.from(samples.buffer).toString('base64');
    const journal: JournalEntry[] = [
      { seq: 0, atMs: 0, kind: 'input', event: { type: 'caller.audio', startMs: 0, endMs: 100, sampleRate: 16000, pcm16 } },
      { seq: 1, atMs: 0, kind: 'input', event: { type: 'vad.probability', atMs: 0, p: 0.9 } },
      { seq: 2, atMs: 5, kind: 'transition', state: 'active.conversation.listening', cause: 'init' },
    ];
    const v = viewJournal(journal);
    expect(v.journal.map((e) => e.seq)).toEqual([2]);
    expect(v.waveform).toEqual([{ startMs: 0, endMs: 100, stepMs: 20, peaks: [0.5, 0, 1, 0, 0] }]);
    expect(pcmPeaks(pcm16, 8000, 100)).toEqual([0.5, 1]);
  });
});
