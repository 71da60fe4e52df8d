import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { chatServer, toolServer } from './servers.ts';

/** Runs the CLI without blocking this process: the test's servers must keep answering meanwhile. */
function callsim(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const write = (dir: string, name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
};
const scenarioPath = (name: string) => path.join(repoRoot, 'recordings/scenarios', `${name}.json`);

describe('callsim run --agent agent.json', () => {
  it('runs the call against the model and tools of the file; the key is used but never stored, exported or printed; the session replays with the servers stopped', async () => {
    const key = 'sk-callsim-byo-7f3a9c2e51d4-DO-NOT-STORE';
    const chat = await chatServer([{ toolCalls: [{ name: 'crm_lookupCustomer', arguments: {} }] }]);
    const crm = await toolServer({ '/lookup': () => ({ status: 500, body: '{"error":"db down"}' }) });
    const dir = tempDir();
    const db = path.join(dir, 'byo.db');
    const agent = write(dir, 'agent.json', { model: { baseUrl: chat.url, name: 'scripted', apiKeyEnv: 'CALLSIM_TEST_MODEL_KEY' }, tools: { 'crm.lookupCustomer': { url: `${crm.url}/lookup` } } });
    const balance = write(dir, 'balance.json', {
      callsim: 1,
      name: 'balance',
      seed: 42,
      caller: {
        turns: [
          { at: 1000, say: "Hi, what's my account balance?" },
          { afterAgentMs: 400, say: 'Hello? Are you still there?' },
        ],
      },
    });

    const run = await callsim(['run', balance, '--agent', agent, '--json', '--db', db], { CALLSIM_TEST_MODEL_KEY: key });
    await Promise.all([chat.close(), crm.close()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high' });
    expect(result.toolCalls.map((c: { status: number }) => c.status)).toEqual([500, 500, 500]);
    expect(chat.requests[0].headers.authorization).toBe(`Bearer ${key}`);

    const exported = await callsim(['sessions', 'export', result.sessionId, '--db', db]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('"apiKeyEnv": "CALLSIM_TEST_MODEL_KEY"'); // the variable's name is kept, not its value
    const replay = await callsim(['replay', result.sessionId, '--json', '--db', db]);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ sessionId: result.sessionId, identical: true, divergence: null });

    // every byte the store wrote (database, WAL, shared memory) and everything printed
    const stored = fs.readdirSync(dir).filter((f) => f.startsWith('byo.db'));
    expect(stored).toContain('byo.db');
    for (const f of stored) expect(fs.readFileSync(path.join(dir, f)).includes(Buffer.from(key))).toBe(false);
    // the bytes are searchable as written: the variable's name is found where its value is not
    expect(stored.some((f) => fs.readFileSync(path.join(dir, f)).includes(Buffer.from('CALLSIM_TEST_MODEL_KEY')))).toBe(true);
    for (const text of [run.stdout, run.stderr, exported.stdout, exported.stderr, replay.stdout, replay.stderr]) expect(text).not.toContain(key);
  });

  it('the example agent files are valid (checked by a call that hangs up before the model is needed)', async () => {
    const dir = tempDir();
    const hangUp = write(dir, 'hang-up.json', { callsim: 1, name: 'hang-up', caller: { turns: [{ at: 100, hangUp: true }] } });
    for (const f of ['ollama.json', 'openai.json', 'sandbox-tools.json']) {
      const r = await callsim(['run', hangUp, '--agent', path.join(repoRoot, 'recordings/agents', f), '--json', '--db', path.join(dir, 'examples.db')], {
        OPENAI_API_KEY: 'x',
        CRM_SANDBOX_TOKEN: 'y',
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).outcome).toBe('caller_hung_up');
    }
  });
});

describe('a bad agent file exits 2 with one line naming the file, the place and the problem, storing nothing', () => {
  const cases: [string, string, RegExp, Record<string, string>?][] = [
    ['typo.json', '{"model": {"baseUrl": "http://127.0.0.1:11434/v1", "name": "llama3.1", "temprature": 0}}', /typo\.json: \$\.model: unknown key "temprature"$/],
    ['url.json', '{"model": {"baseUrl": "localhost 11434", "name": "llama3.1"}}', /url\.json: \$\.model\.baseUrl: /],
    ['syntax.json', '{"model": {"baseUrl": "http://127.0.0.1:11434/v1",\n  "name": "llama3.1",}}', /syntax\.json: line 2:\d+: invalid JSON/],
    [
      'method.json',
      '{"tools": {"crm.lookupCustomer": {"url": "http://127.0.0.1:4010/x", "method": "DELETE"}}}',
      /method\.json: \$\.tools\.crm\.lookupCustomer\.method: Invalid option: expected one of "GET"\|"POST"\|"PUT"\|"PATCH"$/,
    ],
    ['empty.json', '{}', /empty\.json: \$: give "model", "tools", "asr", "summarizer" or more of them$/],
    [
      'key.json',
      '{"model": {"baseUrl": "http://127.0.0.1:11434/v1", "name": "m", "apiKeyEnv": "CALLSIM_SURELY_UNSET_KEY"}}',
      /key\.json: \$\.model\.apiKeyEnv: the environment variable CALLSIM_SURELY_UNSET_KEY is not set$/,
    ],
    [
      'header.json',
      '{"tools": {"crm.lookupCustomer": {"url": "http://127.0.0.1:4010/x", "headers": {"authorization": "Bearer ${CALLSIM_SURELY_UNSET_TOKEN}"}}}}',
      /header\.json: \$\.tools\.crm\.lookupCustomer\.headers\.authorization: the environment variable CALLSIM_SURELY_UNSET_TOKEN is not set$/,
    ],
    [
      'clash.json',
      '{"tools": {"crm.lookup_x": {"url": "http://a.test/"}, "crm_lookup.x": {"url": "http://a.test/"}}}',
      /clash\.json: \$\.tools\.crm_lookup\.x: "crm_lookup\.x" and "crm\.lookup_x" both become the API tool name "crm_lookup_x"$/,
    ],
  ];
  for (const [name, text, message] of cases) {
    it(name, async () => {
      const dir = tempDir();
      const db = path.join(dir, 'bad.db');
      const r = await callsim(['run', scenarioPath('happy-path'), '--agent', write(dir, name, text), '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(fs.existsSync(db)).toBe(false);
    });
  }

  it('a missing agent file is one line, exit 2, nothing stored', async () => {
    const dir = tempDir();
    const missing = await callsim(['run', scenarioPath('happy-path'), '--agent', path.join(dir, 'nope.json'), '--db', path.join(dir, 'x.db')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/nope\.json: no such file$/);
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
  });

  for (const how of ['run', 'mic'] as const) {
    it(`${how === 'run' ? 'a recorded call (run call.wav)' : 'a live call (mic --input call.wav)'} talks to the model of --agent: it hears the recognised words, its tool call goes to the user's backend, and the session replays with the servers stopped`, async () => {
      const chat = await chatServer((req) => {
        const last = req.body.messages.at(-1);
        return last.role === 'user' ? { toolCalls: [{ name: 'crm_lookupCustomer', arguments: {} }], tokens: 120 } : { content: 'Thanks, I found you. Goodbye.', tokens: 80 };
      });
      const crm = await toolServer({ '/lookup': () => ({ body: '{"customerId":"C-9","name":"Pat"}' }) });
      const dir = tempDir();
      const db = path.join(dir, 'rec.db');
      const agent = write(dir, 'agent.json', { model: { baseUrl: chat.url, name: 'scripted' }, tools: { 'crm.lookupCustomer': { url: `${crm.url}/lookup` } } });
      const wav = path.join(repoRoot, 'recordings/audio/cards-call-8k.wav');
      const args = how === 'run' ? ['run', wav] : ['mic', '--input', wav, '--mute'];
      const run = await callsim([...args, '--agent', agent, '--json', '--db', db]);
      await Promise.all([chat.close(), crm.close()]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout);
      // the model was asked about what the caller said, as recognised
      const heard = result.turns.find((t: { speaker: string; text: string | null }) => t.speaker === 'caller' && t.text)!.text;
      expect(chat.requests[0].body.messages.at(-1)).toEqual({ role: 'user', content: heard });
      expect(crm.requests.length).toBeGreaterThan(0);
      expect(result.toolCalls[0]).toMatchObject({ tool: 'crm.lookupCustomer', outcome: 'ok' });
      expect(result.metrics.tokens).toBeGreaterThanOrEqual(120);
      const replay = await callsim(['replay', result.sessionId, '--json', '--db', db]);
      expect(JSON.parse(replay.stdout)).toMatchObject({ identical: true, divergence: null });
    }, 120_000);
  }

  it("a scenario's own model whose key variable is allowed but not set names the scenario and the place", async () => {
    const dir = tempDir();
    const s = write(dir, 'mine.json', { callsim: 1, name: 'mine', agent: { model: { baseUrl: 'http://127.0.0.1:1/v1', name: 'm', apiKeyEnv: 'CALLSIM_SURELY_UNSET_KEY' } }, caller: { turns: [] } });
    const r = await callsim(['run', s, '--allow-env', 'CALLSIM_SURELY_UNSET_KEY', '--db', path.join(dir, 'm.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/mine\.json: \$\.agent\.model\.apiKeyEnv: the environment variable CALLSIM_SURELY_UNSET_KEY is not set$/);
  });
});
