import type { MonitorContext } from '../../shared/ipc.ts';
import type { Policy } from '../../shared/policy.ts';
import type { StatechartLayout } from '../model/layout.ts';
import type { StateFrame } from '../model/states.ts';
import { fmtMs, shortState } from '../format.ts';

function Meter({ label, value, max, text, warn = 0.66, testid }: { label: string; value: number; max: number; text: string; warn?: number; testid?: string }) {
  const ratio = max > 0 ? Math.min(1, value / max) : 0;
  const level = ratio >= 1 ? 'full' : ratio >= warn ? 'warn' : 'ok';
  return (
    <div className={`meter ${level}`} data-testid={testid}>
      <div className="meter-head">
        <span>{label}</span>
        <span className="meter-value">{text}</span>
      </div>
      <div className="meter-track">
        <div className="meter-fill" style={{ transform: `scaleX(${ratio})` }} />
      </div>
    </div>
  );
}

/** Backends the breakers guard: those of the known tools, any that failed, and the agent. */
function backends(ctx: MonitorContext | null, targets: readonly string[]): string[] {
  const out = new Set(targets.filter((t) => t.includes('.')).map((t) => t.slice(0, t.indexOf('.'))));
  out.add('agent');
  for (const b of Object.keys(ctx?.consecutiveFailures ?? {})) out.add(b);
  return [...out];
}

/**
 * The machine's monitors at one moment: circuit breakers per backend, the same-tool counter,
 * token budget, frustration score (from the machine's context), and every running timer of the
 * active states counting down (delays named after policy keys, from the machine's graph).
 */
export function Monitors({
  ctx,
  policy,
  frame,
  layout,
  atMs,
  targets,
}: {
  ctx: MonitorContext | null;
  policy: Policy | null;
  frame: StateFrame | null;
  layout: StatechartLayout;
  atMs: number;
  targets: readonly string[];
}) {
  const p = ctx?.policy ?? policy;
  if (!p)
    return (
      <section className="panel monitors">
        <h3>Monitors</h3>
        <p className="muted">Start a call or open a session.</p>
      </section>
    );
  // A delay named after a policy key counts down from it; any other (a computed backoff) counts up.
  const timers: { key: string; state: string; remaining: number | null; total: number; elapsed: number }[] = [];
  if (frame) {
    for (const s of layout.states) {
      const since = frame.enteredAt[s.path];
      if (since === undefined) continue;
      for (const d of s.delays) {
        const elapsed = Math.max(0, atMs - since);
        const total = d in p ? p[d as keyof Policy] : 0;
        timers.push({ key: d, state: s.path, total, elapsed, remaining: d in p ? Math.max(0, total - elapsed) : null });
      }
    }
  }
  return (
    <section className="panel monitors" data-testid="monitors">
      <h3>Monitors {!ctx && <span className="muted small">(context loading…)</span>}</h3>
      <h4>Circuit breakers</h4>
      <div className="meter-grid three">
        {backends(ctx, targets).map((b) => (
          <Meter
            key={b}
            testid={`breaker-${b}`}
            label={b}
            value={ctx?.consecutiveFailures[b] ?? 0}
            max={p.circuitBreakerFailures}
            text={`${ctx?.consecutiveFailures[b] ?? 0}/${p.circuitBreakerFailures}`}
          />
        ))}
      </div>
      <h4>Budgets</h4>
      <Meter
        testid="same-tool"
        label={`same tool in a row${ctx?.sameTool.tool ? ` · ${ctx.sameTool.tool}` : ''}`}
        value={ctx?.sameTool.count ?? 0}
        max={p.sameToolMaxConsecutive}
        text={`${ctx?.sameTool.count ?? 0} / ${p.sameToolMaxConsecutive}`}
      />
      {/* One row each: a large token budget's count needs the width (side by side it ran into "frustration"). */}
      <div className="meter-stack">
        <Meter testid="tokens" label="tokens" value={ctx?.tokens ?? 0} max={p.tokenBudget} text={`${(ctx?.tokens ?? 0).toLocaleString('en')} / ${p.tokenBudget.toLocaleString('en')}`} />
        <Meter testid="frustration" label="frustration" value={ctx?.frustration ?? 0} max={p.frustrationThreshold} text={`${(ctx?.frustration ?? 0).toFixed(2)} / ${p.frustrationThreshold}`} />
      </div>
      <div className="counters">
        <span>
          reprompts <b>{ctx?.reprompts ?? 0}</b>/{p.deadAirReprompts}
        </span>
        <span>
          no progress <b>{ctx?.noProgress ?? 0}</b>/{p.noProgressTurns}
        </span>
        <span>
          barge-ins <b>{ctx?.bargeIns ?? 0}</b>
        </span>
        <span>
          fillers <b>{ctx?.fillerPlays ?? 0}</b>
        </span>
      </div>
      <h4>Timers</h4>
      {timers.length === 0 && <p className="muted small">no timer running</p>}
      {timers.map((t) => (
        <div key={`${t.state}:${t.key}`} className="timer" data-testid={`timer-${t.key}`}>
          <div className="meter-head">
            <span>
              {shortState(t.state)} · <code>{t.key}</code>
            </span>
            <span className="meter-value">{t.remaining === null ? `running ${fmtMs(t.elapsed)}` : fmtMs(t.remaining)}</span>
          </div>
          <div className="meter-track">
            <div className="meter-fill timer-fill" style={{ transform: `scaleX(${t.remaining !== null && t.total ? t.remaining / t.total : 0})` }} />
          </div>
        </div>
      ))}
    </section>
  );
}
