import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { SessionStore } from '../../electron/store/sessions.ts';

function callsim(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const scenarioPath = (name: string) => path.join(repoRoot, 'recordings/scenarios', `${name}.json`);

describe('callsim run', () => {
  it('--json prints exactly one SPEC §1 object, and the session is saved', () => {
    const db = path.join(tempDir(), 'c.db');
    const r = callsim(['run', scenarioPath('crm-blackout'), '--json', '--db', db]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['sessionId', 'outcome', 'durationMs', 'handoff', 'turns', 'toolCalls', 'transitions', 'metrics']);
    expect(out.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high' });
    expect(Object.keys(out.handoff.packet).sort()).toEqual(['customer', 'frustration', 'intent', 'lastCallerUtterances', 'openQuestions', 'priority', 'reason', 'toolsAttempted', 'transcriptExcerpt']);
    const list = JSON.parse(callsim(['sessions', 'list', '--json', '--db', db]).stdout);
    expect(list).toEqual([expect.objectContaining({ sessionId: out.sessionId, status: 'complete', outcome: 'handoff' })]);
  });

  it('two runs with the same seed print byte-identical JSON', () => {
    const a = callsim(['run', scenarioPath('sarcastic-caller'), '--json', '--db', path.join(tempDir(), 'a.db')]);
    const b = callsim(['run', scenarioPath('sarcastic-caller'), '--json', '--db', path.join(tempDir(), 'b.db')]);
    expect(a.stdout.length).toBeGreaterThan(100);
    expect(a.stdout).toBe(b.stdout);
  });

  it('without --json prints a human summary with the outcome and a timeline', () => {
    const r = callsim(['run', scenarioPath('crm-blackout'), '--db', path.join(tempDir(), 'h.db')]);
    expect(r.stdout).toMatch(/^crm-blackout: handoff \(backend_failure, high priority\) at \d+\.\d\d s/);
    expect(r.stdout).toMatch(/tool +crm\.lookupCustomer → error 500/);
    expect(r.stdout).toContain('expect: all passed');
  });

  it('a failed expectation exits 1 and says what was expected and what happened', () => {
    const dir = tempDir();
    const s = JSON.parse(fs.readFileSync(scenarioPath('happy-path'), 'utf8'));
    s.expect = { outcome: 'handoff', handoffReason: 'dead_air' };
    fs.writeFileSync(path.join(dir, 'wrong.json'), JSON.stringify(s));
    const r = callsim(['run', path.join(dir, 'wrong.json'), '--db', path.join(dir, 'w.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expect.outcome: expected handoff, got completed');
    expect(r.stderr).toContain('expect.handoffReason: expected dead_air, got no handoff');
  });

  it('--policy overrides change the result', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ circuitBreakerFailures: 2 }));
    const r = callsim(['run', scenarioPath('crm-blackout'), '--json', '--policy', path.join(dir, 'p.json'), '--db', path.join(dir, 'p.db')]);
    expect(JSON.parse(r.stdout).toolCalls).toHaveLength(2);
  });
});

describe('bad input exits 2 with one line naming the file, the place and the problem, storing nothing', () => {
  it('an unknown command: one line, exit 2, the program named once', () => {
    const r = callsim(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('callsim: unknown command "frobnicate" (try callsim --help)\n');
  });

  it('a scenario saved with a byte-order mark is read as JSON', () => {
    const file = path.join(tempDir(), 'bom.json');
    fs.writeFileSync(file, '\ufeff' + fs.readFileSync(scenarioPath('barge-in'), 'utf8'));
    const r = callsim(['run', file, '--json', '--db', path.join(tempDir(), 'bom.db')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe(JSON.parse(callsim(['run', scenarioPath('barge-in'), '--json', '--db', path.join(tempDir(), 'plain.db')]).stdout).outcome);
  });

  const cases: [string, string, RegExp][] = [
    ['typo.json', '{"callsim": 1, "name": "t", "caller": {"turns": [{"at": 1000, "sya": "hi"}]}}', /typo\.json: \$\.caller\.turns\[0\]: unknown key "sya"/],
    ['syntax.json', '{"callsim": 1,\n  "name": "t",\n  "caller": {"turns": [}\n}', /syntax\.json: line 3:\d+: invalid JSON/],
    ['type.json', '{"callsim": 1, "name": "t", "caller": {"turns": []}, "seed": "forty"}', /type\.json: \$\.seed: /],
    ['version.json', '{"callsim": 2, "name": "t", "caller": {"turns": []}}', /version\.json: \$\.callsim: must be 1/],
    ['fault.json', '{"callsim": 1, "name": "t", "caller": {"turns": []}, "faults": [{"target": "crm.lookupCustomer", "mode": "explode"}]}', /fault\.json: \$\.faults\[0\]\.mode: /],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, name), text);
      const db = path.join(dir, 'bad.db');
      const r = callsim(['run', path.join(dir, name), '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(db)).toBe(false);
    });
  }

  it('a policy file with an unknown key', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'pol.json'), '{"deadAirMS": 100}');
    const r = callsim(['run', scenarioPath('happy-path'), '--policy', path.join(dir, 'pol.json'), '--db', path.join(dir, 'x.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pol\.json: \$: unknown key "deadAirMS"/);
  });

  it('a missing file and a corrupt database', () => {
    const dir = tempDir();
    expect(callsim(['run', path.join(dir, 'nope.json')]).stderr).toMatch(/nope\.json: no such file/);
    fs.writeFileSync(path.join(dir, 'corrupt.db'), 'x'.repeat(5000));
    const r = callsim(['sessions', 'list', '--db', path.join(dir, 'corrupt.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/corrupt\.db: not a callsim database/);
  });
});

describe('a store another process holds', () => {
  it('a write lock held past the busy timeout: exit 2, one line naming the store, nothing stored', () => {
    const db = path.join(tempDir(), 'locked.db');
    const holder = new SessionStore(db);
    holder.db.exec('BEGIN IMMEDIATE');
    let r: ReturnType<typeof callsim>;
    try {
      r = callsim(['run', scenarioPath('happy-path'), '--json', '--db', db]);
    } finally {
      holder.db.exec('ROLLBACK');
    }
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`callsim: ${db}: is locked by another process (still after 5 s): close it, or give another --db\n`);
    expect(holder.list()).toEqual([]);
    holder.close();
  });
});

describe('an internal error exits 3', () => {
  it('an output that fails while the summary is written: exit 3, the stack on stderr', async () => {
    const { main } = await import('../../electron/cli/main.ts');
    let stderr = '';
    const code = await main(['run', scenarioPath('happy-path'), '--db', path.join(tempDir(), 'i.db')], {
      stdout: () => {
        throw new Error('EPIPE: broken pipe, write');
      },
      stderr: (s) => void (stderr += s),
    });
    expect(code).toBe(3);
    expect(stderr).toMatch(/^callsim: internal error: Error: EPIPE: broken pipe, write\n\s+at /);
  });
});

describe('callsim sessions', () => {
  it('show, export, import, delete round-trip; CALLSIM_DB is the default store', () => {
    const dir = tempDir();
    const env = { CALLSIM_DB: path.join(dir, 'env.db') };
    const run = JSON.parse(callsim(['run', scenarioPath('barge-in'), '--json'], env).stdout);
    const shown = JSON.parse(callsim(['sessions', 'show', run.sessionId, '--json'], env).stdout);
    expect(shown).toEqual(run);
    const exportFile = path.join(dir, 'e.json');
    expect(callsim(['sessions', 'export', run.sessionId, '-o', exportFile], env).code).toBe(0);
    expect(callsim(['sessions', 'delete', run.sessionId], env).stdout).toContain(`deleted ${run.sessionId}`);
    expect(JSON.parse(callsim(['sessions', 'list', '--json'], env).stdout)).toEqual([]);
    expect(callsim(['sessions', 'import', exportFile], env).stdout).toContain(`imported ${run.sessionId}`);
    expect(JSON.parse(callsim(['sessions', 'list', '--json'], env).stdout)[0].sessionId).toBe(run.sessionId);
  });
});
