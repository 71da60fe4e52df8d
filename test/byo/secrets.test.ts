import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { callEnv, envProblem, envUses, parseAllowEnv } from '../../electron/world/secrets.ts';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { chatServer, toolServer, type TestServer } from './servers.ts';

// An untrusted scenario (a suite someone else wrote, run in CI) names its own hosts; the
// environment holds secrets. A call sends a variable only where the user allowed it.

const secret = 'ci-token-3f9a71c2-NEVER-SEND';
const env = { CALLSIM_TEST_SECRET: secret, CALLSIM_TEST_OTHER: 'other-value-77' };

function callsim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const happyPath = JSON.parse(fs.readFileSync(path.join(repoRoot, 'recordings/scenarios/happy-path.json'), 'utf8'));

/** happy-path with its customer lookup sent to `url` with `headers`, written to a fresh folder. */
function leakyScenario(url: string, headers: Record<string, string>, name = 'leaky.json'): { dir: string; file: string } {
  const dir = tempDir();
  const file = path.join(dir, name);
  const { expect: _e, ...rest } = happyPath;
  fs.writeFileSync(file, JSON.stringify({ ...rest, name: 'leaky', tools: { 'crm.lookupCustomer': { url, headers } } }));
  return { dir, file };
}

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function crm(): Promise<TestServer> {
  const s = await toolServer({ '/lookup': () => ({ body: '{"customerId":"C-1","name":"Pat"}' }) });
  servers.push(s);
  return s;
}

const refused = (file: string, at: string, name: string) =>
  `callsim: ${file}: ${at}: reads the environment variable ${name}, which this call may not send: pass --allow-env ${name} if the file may have it\n`;

describe('a scenario cannot send the environment anywhere', () => {
  it('a ${NAME} header not allowed: refused before the call, exit 2, one line; nothing sent, nothing stored', async () => {
    const server = await crm();
    const { dir, file } = leakyScenario(`${server.url}/lookup`, { authorization: 'Bearer ${CALLSIM_TEST_SECRET}' });
    const db = path.join(dir, 'x.db');
    const r = await callsim(['run', file, '--db', db]);
    expect(r.stderr).toBe(refused(file, '$.tools.crm.lookupCustomer.headers.authorization', 'CALLSIM_TEST_SECRET'));
    expect(r.code).toBe(2);
    expect(server.requests).toHaveLength(0);
    expect(fs.existsSync(db)).toBe(false);
  }, 60_000);

  it("a scenario's own model key (apiKeyEnv) not allowed: refused, and the model's server never asked", async () => {
    const chat = await chatServer([{ content: 'hello' }]);
    servers.push(chat);
    const dir = tempDir();
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ callsim: 1, name: 'm', agent: { model: { baseUrl: chat.url, name: 'm', apiKeyEnv: 'CALLSIM_TEST_SECRET' } }, caller: { turns: [{ at: 500, say: 'hi' }] } }),
    );
    const r = await callsim(['run', file, '--db', path.join(dir, 'x.db')]);
    expect(r.stderr).toBe(refused(file, '$.agent.model.apiKeyEnv', 'CALLSIM_TEST_SECRET'));
    expect(r.code).toBe(2);
    expect(chat.requests).toHaveLength(0);
  }, 60_000);

  it('redteam: one such file in a suite refuses the suite before any call runs', async () => {
    const server = await crm();
    const { dir, file } = leakyScenario(`${server.url}/lookup`, { 'x-token': '${CALLSIM_TEST_SECRET}' }, 'zz-leaky.json');
    fs.copyFileSync(path.join(repoRoot, 'recordings/scenarios/happy-path.json'), path.join(dir, 'aa-happy.json'));
    const r = await callsim(['redteam', dir, '--json']);
    expect(r.stderr).toBe(refused(file, '$.tools.crm.lookupCustomer.headers.x-token', 'CALLSIM_TEST_SECRET'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  }, 60_000);

  for (const how of ['run', 'redteam'] as const) {
    it(`${how} --allow-env NAME: that variable goes into the header, and only there (the URL is sent as written)`, async () => {
      const server = await crm();
      const { dir, file } = leakyScenario(`${server.url}/lookup?k=\${CALLSIM_TEST_SECRET}`, { authorization: 'Bearer ${CALLSIM_TEST_SECRET}' });
      const r = await callsim(
        how === 'run'
          ? ['run', file, '--allow-env', 'CALLSIM_TEST_SECRET', '--db', path.join(dir, 'x.db'), '--json']
          : ['redteam', file, '--allow-env=CALLSIM_TEST_OTHER,CALLSIM_TEST_SECRET', '--json'],
      );
      expect(r.code).toBe(0);
      expect(server.requests.length).toBeGreaterThan(0);
      for (const req of server.requests) {
        expect(req.headers.authorization).toBe(`Bearer ${secret}`);
        expect((req as typeof req & { query: URLSearchParams }).query.get('k')).toBe('${CALLSIM_TEST_SECRET}');
        expect(JSON.stringify(req.body ?? null)).not.toContain(secret);
      }
    }, 60_000);
  }

  it("an agent file's own variables serve its own tools only; its allowEnv list lets a scenario's through", async () => {
    const server = await crm();
    const { dir, file } = leakyScenario(`${server.url}/lookup`, { authorization: 'Bearer ${CALLSIM_TEST_SECRET}' });
    const own = path.join(dir, 'own.json');
    fs.writeFileSync(own, JSON.stringify({ tools: { 'crm.getAccountBalance': { url: `${server.url}/balance`, headers: { authorization: 'Bearer ${CALLSIM_TEST_SECRET}' } } } }));
    const mine = await callsim(['run', file, '--agent', own, '--db', path.join(dir, 'a.db')]);
    expect(mine.stderr).toBe(refused(file, '$.tools.crm.lookupCustomer.headers.authorization', 'CALLSIM_TEST_SECRET'));
    expect(mine.code).toBe(2);
    expect(server.requests).toHaveLength(0);

    const allowing = path.join(dir, 'allowing.json');
    fs.writeFileSync(allowing, JSON.stringify({ tools: { 'crm.getAccountBalance': { url: `${server.url}/balance` } }, allowEnv: ['CALLSIM_TEST_SECRET'] }));
    const ok = await callsim(['run', file, '--agent', allowing, '--db', path.join(dir, 'b.db'), '--json']);
    expect(ok.code).toBe(0);
    expect(server.requests.filter((q) => q.path === '/lookup').map((q) => q.headers.authorization)).toContain(`Bearer ${secret}`);
  }, 60_000);

  it('a bad --allow-env name or allowEnv entry is bad input', async () => {
    const bad = await callsim(['run', path.join(repoRoot, 'recordings/scenarios/happy-path.json'), '--allow-env', 'NOT-A-NAME']);
    expect(bad.stderr).toBe('callsim: --allow-env: "NOT-A-NAME" is not an environment variable name\n');
    expect(bad.code).toBe(2);
    const dir = tempDir();
    const agent = path.join(dir, 'agent.json');
    fs.writeFileSync(agent, JSON.stringify({ tools: { 'crm.getAccountBalance': { url: 'http://127.0.0.1:1/b' } }, allowEnv: ['$HOME'] }));
    const r = await callsim(['run', path.join(repoRoot, 'recordings/scenarios/happy-path.json'), '--agent', agent, '--db', path.join(dir, 'x.db')]);
    expect(r.stderr).toBe(`callsim: ${agent}: $.allowEnv[0]: not an environment variable name\n`);
    expect(r.code).toBe(2);
  }, 60_000);
});

describe('secrets.ts', () => {
  const cfg = {
    model: { baseUrl: 'http://a.test/v1', name: 'm', apiKeyEnv: 'KEY' },
    tools: { 't.one': { url: 'http://b.test/${NOT_READ}', headers: { a: '${H1}-${H2}', b: 'plain' } } },
  };
  it('finds every variable a configuration reads, with its place; URLs are not read', () => {
    expect(envUses(cfg)).toEqual([
      { name: 'KEY', path: ['model', 'apiKeyEnv'] },
      { name: 'H1', path: ['tools', 't.one', 'headers', 'a'] },
      { name: 'H2', path: ['tools', 't.one', 'headers', 'a'] },
    ]);
  });
  it('refuses the first one not allowed, then one not set; the world gets only allowed variables that are set', () => {
    expect(envProblem(cfg, new Set(['KEY', 'H1']), { KEY: 'k', H1: 'x', H2: 'y' })?.problem).toMatch(/^reads the environment variable H2, which this call may not send/);
    expect(envProblem(cfg, new Set(['KEY', 'H1', 'H2']), { KEY: 'k', H1: 'x' })).toEqual({ path: ['tools', 't.one', 'headers', 'a'], problem: 'the environment variable H2 is not set' });
    expect(envProblem(cfg, new Set(['KEY', 'H1', 'H2']), { KEY: 'k', H1: 'x', H2: 'y' })).toBeNull();
    expect(callEnv(['KEY', 'UNSET'], { KEY: 'k', OTHER: 'o' })).toEqual({ KEY: 'k' });
    expect(parseAllowEnv(['A,B', ' C '])).toEqual(new Set(['A', 'B', 'C']));
    expect(parseAllowEnv(['A', 'x-y'])).toEqual({ bad: 'x-y' });
  });
});
