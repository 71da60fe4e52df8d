import type { RunResult } from '../../shared/result.ts';
import type { JournalEntry } from '../../shared/events.ts';
import type { ExpectationFailure } from '../../shared/expect.ts';

const sec = (ms: number) => `${(ms / 1000).toFixed(2).padStart(6)}s`;

/** The short human summary `callsim run` prints without --json. Pure. */
export function formatRunSummary(name: string, r: RunResult, failures: ExpectationFailure[] | null, entries: readonly JournalEntry[] = []): string {
  const lines: string[] = [];
  const h = r.handoff;
  lines.push(
    `${name}: ${r.outcome}${h ? ` (${h.reason}, ${h.priority} priority) at ${(h.atMs / 1000).toFixed(2)} s` : ''}, call ${(r.durationMs / 1000).toFixed(2)} s, ${r.metrics.tokens} tokens, session ${r.sessionId}`,
  );
  type Row = { at: number; order: number; text: string };
  const rows: Row[] = [];
  for (const t of r.turns)
    rows.push({ at: t.startMs, order: 1, text: `${t.speaker.padEnd(6)} ${t.text === null ? '(unrecognised)' : JSON.stringify(t.text)}${t.interrupted ? '  [interrupted]' : ''}` });
  for (const c of r.toolCalls) rows.push({ at: c.startMs, order: 2, text: `tool   ${c.tool} → ${c.outcome}${c.status !== undefined ? ` ${c.status}` : ''} (${c.endMs - c.startMs} ms)` });
  // model failures are inputs, not turns: show them so a reader sees why the breaker opened
  for (const e of entries) if (e.kind === 'input' && e.event.type === 'agent.failed') rows.push({ at: e.atMs, order: 2, text: `model  failed: ${e.event.error}` });
  // speech over the agent: a reader sees it pause, and resume on an acknowledgement (not a turn)
  for (const e of entries) {
    if (e.kind === 'input' && e.event.type === 'caller.backchannel') rows.push({ at: e.event.startMs, order: 1, text: `caller ${JSON.stringify(e.event.text)}  [backchannel]` });
    if (e.kind === 'command' && e.command.type === 'agent.speech.pause') rows.push({ at: e.atMs, order: 2, text: `agent  paused (${e.command.reason.replace(/_/g, ' ')})` });
    if (e.kind === 'command' && e.command.type === 'agent.speech.resume') rows.push({ at: e.atMs, order: 2, text: `agent  resumed (${e.command.reason.replace(/_/g, ' ')})` });
  }
  let prevConv = '';
  for (const t of r.transitions) {
    const conv = t.state.replace(/^active\.conversation\./, '').replace(/^active\.callerMonitor\./, 'caller:');
    if (conv.split('.')[0] === prevConv.split('.')[0] && !conv.startsWith('caller:')) continue;
    if (!conv.startsWith('caller:')) prevConv = conv;
    rows.push({ at: t.atMs, order: 0, text: `state  ${conv}` });
  }
  rows.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const row of rows) lines.push(`  ${sec(row.at)}  ${row.text}`);
  if (h) {
    lines.push(`  handoff packet: intent ${h.packet.intent}, frustration ${h.packet.frustration.score}, customer ${h.packet.customer.name ?? 'unknown'}`);
    for (const q of h.packet.openQuestions) lines.push(`    - ${q}`);
  }
  lines.push(`  metrics: ${r.metrics.bargeIns} barge-ins, ${r.metrics.fillerPlays} filler plays, $${r.metrics.costUsd.toFixed(4)}`);
  if (failures) {
    if (failures.length === 0) lines.push('  expect: all passed');
    for (const f of failures) lines.push(`  expect FAILED ${f.key}: expected ${f.expected}, got ${f.actual}`);
  }
  return lines.join('\n');
}
