import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { readScenario } from '../../electron/cli/io.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { repoRoot } from '../helpers.ts';

const dir = path.join(repoRoot, 'recordings/scenarios');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const reasons = ['caller_request', 'caller_frustration', 'backend_failure', 'tool_loop', 'latency_timeout', 'dead_air', 'cost_limit', 'no_progress', 'agent_request'];

describe('the scenario library', () => {
  it('covers every handoff reason of SPEC §1 and a happy path', () => {
    const expected = files.map((f) => readScenario(path.join(dir, f)).expect ?? {});
    expect(new Set(expected.map((e) => e.handoffReason).filter(Boolean))).toEqual(new Set(reasons));
    expect(expected.some((e) => e.outcome === 'completed')).toBe(true);
  });

  for (const f of files) {
    it(`${f} meets its expect block`, async () => {
      const s = readScenario(path.join(dir, f));
      expect(s.expect).toBeDefined();
      const run = await runScenario(s, null);
      expect(run.error).toBeNull();
      expect(run.failures).toEqual([]);
    });
  }
});
