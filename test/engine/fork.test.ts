import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { readScenario } from '../../electron/input/files.ts';
import { fork } from '../../electron/engine/investigate.ts';
import { runSession } from '../../electron/engine/session.ts';
import { scenarioSetup } from '../../electron/engine/setup.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';

const happyPath = () => readScenario(path.join(repoRoot, 'recordings/scenarios/happy-path.json'));

describe('fork', () => {
  it('with --faults, replaces a fault set live before --at as well as the plan', async () => {
    const store = new SessionStore(path.join(tempDir(), 'f.db'));
    // The control panel broke the balance backend early in the call: the caller's balance request
    // hits it, the breaker opens and the call hands off.
    const setup = scenarioSetup(happyPath());
    setup.controls = [{ atMs: 500, action: { type: 'fault.set', fault: { target: 'crm.getAccountBalance', mode: 'error', status: 503 } } }];
    const parent = await runSession(setup, { store }, { pacing: 'virtual' });
    expect(parent.result.handoff?.reason).toBe('backend_failure');

    // Forked at 600 ms onto a plan that only slows the CRM lookup: the live 503s are gone.
    const r = await fork(store, parent.sessionId, 600, { faults: [{ target: 'crm.lookupCustomer', mode: 'latency', ms: 300 }] });
    expect(r.checkedTransitions).toBe(parent.result.transitions.filter((t) => t.atMs < 600).length);
    expect(r.run.result.outcome).toBe('completed');
    expect(r.run.result.toolCalls.map((c) => `${c.tool} ${c.outcome}`)).toEqual(['crm.lookupCustomer ok', 'crm.getAccountBalance ok']);
    const lookup = r.run.result.toolCalls[0];
    expect(lookup.endMs - lookup.startMs).toBeGreaterThanOrEqual(300);
    store.close();
  });

  it('a parent that no longer reproduces up to --at is a divergence: exit 1, one line, nothing stored', () => {
    const db = path.join(tempDir(), 'd.db');
    const cli = (args: string[]) => spawnSync(process.execPath, [cliBin, ...args, '--db', db], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    const run = JSON.parse(cli(['run', path.join(repoRoot, 'recordings/scenarios/happy-path.json'), '--json']).stdout);
    // As if recorded by a machine whose greeting ended 1 ms later than today's ends it.
    const d = new Database(db);
    const row = d.prepare('SELECT result_json FROM sessions WHERE id = ?').get(run.sessionId) as { result_json: string };
    const recorded = JSON.parse(row.result_json);
    recorded.transitions[2].atMs += 1;
    d.prepare('UPDATE sessions SET result_json = ? WHERE id = ?').run(JSON.stringify(recorded), run.sessionId);
    d.close();
    const f = path.join(tempDir(), 'f.json');
    fs.writeFileSync(f, JSON.stringify([{ target: 'crm.lookupCustomer', mode: 'error', status: 500 }]));
    const r = cli(['fork', run.sessionId, '--at', '4000', '--faults', f]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`callsim: fork of ${run.sessionId}: cannot reproduce the session up to 4000 ms: transition 2 differs\n`);
    const list = JSON.parse(cli(['sessions', 'list', '--json']).stdout) as { sessionId: string }[];
    expect(list.map((s) => s.sessionId)).toEqual([run.sessionId]);
  });
});
