import type { InspectionEvent } from 'xstate';
import type { JournalEntry } from '../../shared/events.ts';
import { replayJournal } from '../../shared/replay.ts';
import { toMonitorContext, type Checkpoint } from '../../shared/ipc.ts';

/**
 * The machine context of a saved session at every moment it changed, read from the machine's
 * own `@xstate.snapshot` inspection events while its journal is replayed once. The scrubber
 * then seeks by binary search over these checkpoints instead of re-running the call from zero
 * at every position. Consecutive equal contexts are kept once; several at one instant keep the
 * last. Pure (replays in memory).
 */
export function sessionCheckpoints(entries: readonly JournalEntry[]): Checkpoint[] {
  const out: Checkpoint[] = [];
  let lastJson = '';
  const inspect = (e: InspectionEvent, atMs: number) => {
    // The call machine spawns no children: every snapshot is the call's (toMonitorContext checks).
    if (e.type !== '@xstate.snapshot') return;
    const context = toMonitorContext((e.snapshot as { context?: unknown }).context);
    if (!context) return;
    const json = JSON.stringify(context);
    if (json === lastJson) return;
    lastJson = json;
    if (out.length && out[out.length - 1].atMs === atMs) out[out.length - 1] = { atMs, context };
    else out.push({ atMs, context });
  };
  replayJournal(entries, { inspect });
  return out;
}
