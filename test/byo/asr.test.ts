import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HttpTranscriber, transcriptWords } from '../../electron/audio/transcriber.ts';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { deadUrl, transcriptionServer, type TestServer } from './servers.ts';

// Your own recognizer (agent file `asr`): each speech stretch of a recorded call goes to an
// OpenAI-compatible transcription server as a WAV; what it answers is what the caller said, and
// anything else it does is a recognition failure the machine handles. All against a scripted
// server on 127.0.0.1; the session replays with it stopped.

const key = 'asr-key-5be1c0-DO-NOT-STORE';
const wav = path.join(repoRoot, 'recordings/audio/cards-call-8k.wav');

function callsim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: repoRoot, env: { ...process.env, CALLSIM_TEST_ASR_KEY: key } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function agentFile(dir: string, asr: Record<string, unknown>): string {
  const file = path.join(dir, 'asr.json');
  fs.writeFileSync(file, JSON.stringify({ asr }));
  return file;
}

type Journal = { kind: string; event?: { type: string; text?: string; error?: string } }[];

describe('run call.wav with your own recognizer', () => {
  it("sends each stretch as a WAV with the key; its words are the caller's; the key is not stored; replay needs no server", async () => {
    const lines = ['I would like to check my balance.', 'My card number is 4111 1111 1111 1111.', 'Thanks, that is all. Goodbye!'];
    const server = await transcriptionServer((n) => ({ body: JSON.stringify({ text: lines[n % lines.length] }) }));
    servers.push(server);
    const dir = tempDir();
    const db = path.join(dir, 'a.db');
    const agent = agentFile(dir, { baseUrl: `${server.url}/v1`, name: 'whisper-test', apiKeyEnv: 'CALLSIM_TEST_ASR_KEY', language: 'en' });
    const run = await callsim(['run', wav, '--agent', agent, '--json', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(server.transcriptions.length).toBeGreaterThan(1);
    for (const t of server.transcriptions) {
      expect(t.path).toBe('/v1/audio/transcriptions');
      expect(t.headers.authorization).toBe(`Bearer ${key}`);
      expect(t.fields).toMatchObject({ model: 'whisper-test', language: 'en', response_format: 'json' });
      expect(t.file).toMatchObject({ name: 'speech.wav', riff: true });
      expect(t.file!.bytes).toBeGreaterThan(44 + 16 * 2 * 200); // at least 0.2 s of 16 kHz audio
    }
    // each stretch's answer, as words, in order (the recognizer is asked in the order the caller spoke)
    const heard = result.turns.filter((t: { speaker: string }) => t.speaker === 'caller').map((t: { text: string | null }) => t.text);
    const expected = server.transcriptions.map((_, n) => transcriptWords(lines[n % lines.length]).join(' '));
    expect(heard.filter(Boolean)).toEqual(expected.slice(0, heard.filter(Boolean).length));
    await server.close();
    servers = [];
    const exported = await callsim(['sessions', 'export', result.sessionId, '--db', db]);
    expect(exported.stdout).not.toContain(key);
    const replay = await callsim(['replay', result.sessionId, '--json', '--db', db]);
    expect(JSON.parse(replay.stdout)).toMatchObject({ identical: true, divergence: null });
  }, 120_000);

  it('an HTTP error, non-JSON, JSON without text, no answer in time and empty text: each a journaled recognition failure; the call goes on', async () => {
    const answers = [{ status: 500, body: 'model crashed' }, { body: '<html>oops</html>' }, { body: '{"segments": []}' }, { hang: true }, { body: '{"text": "  "}' }];
    const server = await transcriptionServer((n) => answers[n] ?? { body: '{"text": "I need help with my card"}' });
    servers.push(server);
    const dir = tempDir();
    const db = path.join(dir, 'b.db');
    const run = await callsim(['run', wav, '--agent', agentFile(dir, { baseUrl: `${server.url}/v1`, timeoutMs: 500 }), '--json', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { sessionId } = JSON.parse(run.stdout);
    const journal = JSON.parse((await callsim(['sessions', 'export', sessionId, '--db', db])).stdout).journal as Journal;
    const failures = journal.filter((e) => e.kind === 'input' && e.event!.type === 'asr.failed').map((e) => e.event!.error);
    expect(failures.slice(0, 5)).toEqual([
      'recognizer answered HTTP 500: "model crashed"',
      'recognizer answered something that is not JSON: "<html>oops</html>"',
      'recognizer answered JSON without a "text": "{\\"segments\\": []}"',
      `recognizer: no answer from ${server.url}/v1/audio/transcriptions: no answer within 500 ms`,
      'no words recognised',
    ]);
    const replay = await callsim(['replay', sessionId, '--json', '--db', db]);
    expect(JSON.parse(replay.stdout)).toMatchObject({ identical: true });
  }, 120_000);

  it('a recognizer that is not there: every stretch fails as recognition, never a crash', async () => {
    const dir = tempDir();
    const run = await callsim(['run', wav, '--agent', agentFile(dir, { baseUrl: `${await deadUrl()}/v1` }), '--json', '--db', path.join(dir, 'c.db')]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).turns.filter((t: { speaker: string; text: string | null }) => t.speaker === 'caller' && t.text)).toEqual([]);
  }, 120_000);

  it('a live call with your own recognizer is refused in one line, as it would not be used', async () => {
    const dir = tempDir();
    const agent = agentFile(dir, { baseUrl: 'http://127.0.0.1:9/v1' });
    for (const args of [
      ['mic', '--input', wav, '--mute'],
      ['run', wav, '--realtime'],
    ]) {
      const r = await callsim([...args, '--agent', agent, '--db', path.join(dir, 'd.db')]);
      expect(r.stderr).toBe(`callsim: ${agent}: $.asr: your own recognizer hears recorded calls (callsim run call.wav); live calls (mic, --realtime) still use pocketsphinx\n`);
      expect(r.code).toBe(2);
    }
  }, 60_000);

  it('an asr key variable that is not set: one line before the call (exit 2)', async () => {
    const dir = tempDir();
    const r = await callsim(['run', wav, '--agent', agentFile(dir, { baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'CALLSIM_SURELY_UNSET_ASR' }), '--db', path.join(dir, 'e.db')]);
    expect(r.stderr).toMatch(/asr\.json: \$\.asr\.apiKeyEnv: the environment variable CALLSIM_SURELY_UNSET_ASR is not set\n$/);
    expect(r.code).toBe(2);
  }, 60_000);
});

describe('transcriber', () => {
  it("turns the server's text into the recognizer's words", () => {
    expect(transcriptWords('Yeah, okay. I’d like — my BALANCE?')).toEqual(['yeah', 'okay', 'i', 'd', 'like', 'my', 'balance']);
    expect(transcriptWords("I'd like it.")).toEqual(["i'd", 'like', 'it']);
  });

  it('a key variable named but not in the allowed set is a failure, not a request', async () => {
    let asked = 0;
    const t = new HttpTranscriber({ baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'K' }, {}, { fetch: (async () => (asked++, new Response('{}'))) as typeof fetch });
    expect(await t.transcribe(new Float32Array(1600))).toEqual({ ok: false, error: 'the environment variable K (asr.apiKeyEnv) is not set' });
    expect(asked).toBe(0);
  });
});
