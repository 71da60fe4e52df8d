import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { libraryDir, tempDir } from '../helpers.ts';
import { callsim, isRefusalOf } from './cli.ts';

// Length limits (README, "Hardening, measured"): a field or a file far past anything real
// is refused with one line naming it, before a session exists; a call whose times add up past the
// runner's hour is the input's doing too (exit 2), its session kept and readable.

function write(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const scenario = (turns: unknown[], extra: object = {}) => ({ callsim: 1, name: 'limits', caller: { turns }, ...extra });

describe('length limits', () => {
  const dir = tempDir('callsim-limits-');
  const db = path.join(dir, 'limits.db');
  const sessions = async () => JSON.parse((await callsim(['sessions', 'list', '--json', '--db', db])).stdout) as { sessionId: string; outcome: string }[];

  it.each([
    ['a 100 kB caller line', 'line.json', scenario([{ at: 1000, say: 'word '.repeat(20_000) }]), /: \$\.caller\.turns\[0\]\.say: Too big: expected string to have <=2000 characters\n$/],
    ['a 10 MB scenario', 'huge.json', `${' '.repeat(10_000_000)}{}`, /: is 10,000,002 bytes, over the 1,048,576 bytes callsim reads from such a file\n$/],
    ['1,001 turns', 'turns.json', scenario(Array.from({ length: 1001 }, () => ({ say: 'hi' }))), /: \$\.caller\.turns: Too big: expected array to have <=1000 items\n$/],
    ['a time past the hour', 'late.json', scenario([{ at: 3_600_001, say: 'hi' }]), /: \$\.caller\.turns\[0\]\.at: Too big: expected number to be <=3600000\n$/],
    ['a 300-character name', 'name.json', { ...scenario([{ say: 'hi' }]), name: 'n'.repeat(300) }, /: \$\.name: Too big/],
    [
      'a 200 kB system prompt',
      'prompt.json',
      scenario([{ say: 'hi' }], { agent: { model: { baseUrl: 'http://127.0.0.1:9/v1', name: 'm', systemPrompt: 'p'.repeat(200_000) } } }),
      /: \$\.agent\.model\.systemPrompt: Too big/,
    ],
  ])('%s is refused with one line, nothing stored', async (_what, name, value, message) => {
    const file = write(dir, name, value);
    const r = await callsim(['run', file, '--db', db]);
    expect(isRefusalOf(r, file), r.stderr).toBe(true);
    expect(r.stderr).toMatch(message);
    expect(await sessions()).toEqual([]);
  });

  it('a policy, fault plan and agent file past their limits are refused with one line', async () => {
    const ok = write(dir, 'ok.json', scenario([{ say: 'hi' }]));
    const faults = write(
      dir,
      'faults.json',
      Array.from({ length: 1001 }, () => ({ target: 'asr', mode: 'timeout' })),
    );
    const policy = write(dir, 'policy.json', `{"deadAirMs": 4000${' '.repeat(1 << 20)}}`);
    const agent = write(dir, 'agent.json', { tools: { 'crm.lookupCustomer': { url: `http://127.0.0.1:9/${'a'.repeat(3000)}` } } });
    for (const [flag, file, message] of [
      ['--faults', faults, /: \$: Too big: expected array to have <=1000 items\n$/],
      ['--policy', policy, /: is 1,048,595 bytes, over the 1,048,576 bytes/],
      ['--agent', agent, /: \$\.tools\.crm\.lookupCustomer\.url: Too big: expected string to have <=2048 characters\n$/],
    ] as const) {
      const r = await callsim(['run', ok, flag, file, '--db', db]);
      expect(isRefusalOf(r, file), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
    }
    expect(await sessions()).toEqual([]);
  });

  it('a call whose times add up past the hour is exit 2 with one line; its session is kept and reads every way', async () => {
    // every field within its limit, but the caller is left an hour of dead air
    const file = write(dir, 'hour.json', scenario([{ at: 1000, say: 'hello there' }], { policy: { deadAirMs: 3_600_000 } }));
    const r = await callsim(['run', file, '--db', db, '--json']);
    expect(isRefusalOf(r, file), r.stderr).toBe(true);
    expect(r.stderr).toBe(`callsim: ${file}: the call was still running after 3600000 ms, callsim's limit for one call: shorten the call's script or its times (the session is kept, outcome error)\n`);
    const [s] = await sessions();
    expect(s.outcome).toBe('error');
    expect(JSON.parse(r.stdout).sessionId).toBe(s.sessionId);
    for (const args of [
      ['replay', s.sessionId],
      ['sessions', 'show', s.sessionId],
      ['sessions', 'export', s.sessionId],
      ['sessions', 'to-scenario', s.sessionId],
    ])
      expect((await callsim([...args, '--db', db])).code, args.join(' ')).toBe(0);
  });
});

describe('a name at its limit', () => {
  it("to-scenario of a session whose scenario's name is 200 characters gives a scenario (its name cut to fit) — it was a ZodError, exit 3", async () => {
    const dir = tempDir('callsim-name-');
    const db = path.join(dir, 'name.db');
    const file = write(dir, 'long-name.json', { ...scenario([{ at: 1000, say: 'hi there' }]), name: 'barge-in'.repeat(25) });
    const run = await callsim(['run', file, '--json', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const out = path.join(dir, 'incident.json');
    const r = await callsim(['sessions', 'to-scenario', JSON.parse(run.stdout).sessionId, '-o', out, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const name = JSON.parse(fs.readFileSync(out, 'utf8')).name as string;
    expect(name).toHaveLength(200);
    expect(name).toBe(`${'barge-in'.repeat(25).slice(0, 191)}-${JSON.parse(run.stdout).sessionId.slice(-8)}`);
    expect((await callsim(['run', out, '--db', db])).code).toBe(0);
  });
});

describe('what a message quotes stays on its line', () => {
  it('a key, a record key or a file name holding a line break or a control character is written escaped (a key with a newline made the refusal two lines: found by the fuzz)', async () => {
    const dir = tempDir('callsim-oneline-');
    const db = path.join(dir, 'oneline.db');
    const key = write(dir, 'key.json', { ...scenario([{ say: 'hi' }]), 'descriptio\n\u2028\u0000\t': 1 });
    expect(await callsim(['run', key, '--db', db])).toEqual({ code: 2, stdout: '', stderr: `callsim: ${key}: $: unknown key "descriptio\\n\\u2028\\u0000\\t"\n` });
    const agent = write(dir, 'agent.json', { tools: { 'crm.lookup\nCustomer': { url: 'not a url' } } });
    const r = await callsim(['run', path.join(libraryDir, 'happy-path.json'), '--agent', agent, '--db', db]);
    expect(isRefusalOf(r, agent), r.stderr).toBe(true);
    expect(r.stderr).toContain('$.tools.crm.lookup\\nCustomer.url: ');
    const named = path.join(dir, 'a\nb.json');
    expect(await callsim(['run', named, '--db', db])).toEqual({ code: 2, stdout: '', stderr: `callsim: ${dir}/a\\nb.json: no such file\n` });
  });
});

describe('nesting depth', () => {
  const dir = tempDir('callsim-depth-');
  const db = path.join(dir, 'depth.db');

  it('a file nested past 256 levels, closed or left open, is one line with its place (the tolerant parser overflowed on an open one: exit 3)', async () => {
    for (const [name, text] of [
      ['open.json', '['.repeat(500_000)],
      ['closed.json', `{"callsim": 1, "name": "x", "caller": {"turns": []}, "description": ${'['.repeat(300)}${']'.repeat(300)}}`],
    ]) {
      const file = write(dir, name, text);
      for (const args of [
        ['run', file],
        ['run', path.join(libraryDir, 'happy-path.json'), '--policy', file],
        ['sessions', 'import', file],
      ]) {
        const r = await callsim([...args, '--db', db]);
        expect(isRefusalOf(r, file), r.stderr).toBe(true);
        expect(r.stderr).toMatch(/: line 1:\d+: nested more than 256 arrays or objects deep\n$/);
      }
    }
    // 256 levels are read (and refused or taken on their merits)
    const ok = write(dir, 'ok.json', `${'['.repeat(256)}${']'.repeat(256)}`);
    expect((await callsim(['run', ok, '--db', db])).stderr).toMatch(/ok\.json: \$: Invalid input: expected object, received array\n$/);
  });

  it("an export whose tool data nests 200,000 deep is refused before the store writes it (JSON.stringify overflowed inside the import's transaction: exit 3)", async () => {
    const source = path.join(dir, 'source.db');
    const run = await callsim(['run', path.join(libraryDir, 'happy-path.json'), '--json', '--db', source]);
    const exported = (await callsim(['sessions', 'export', JSON.parse(run.stdout).sessionId, '--db', source])).stdout;
    const at = exported.indexOf('"data": {');
    expect(at).toBeGreaterThan(0);
    const file = write(dir, 'deep-export.json', `${exported.slice(0, at)}"data": ${'['.repeat(200_000)}${']'.repeat(200_000)}${exported.slice(exported.indexOf('}', at) + 1)}`);
    const r = await callsim(['sessions', 'import', file, '--db', db]);
    expect(isRefusalOf(r, file), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/: line \d+:\d+: nested more than 256 arrays or objects deep\n$/);
    expect(JSON.parse((await callsim(['sessions', 'list', '--json', '--db', db])).stdout)).toEqual([]);
  });
});
