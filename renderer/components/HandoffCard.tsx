import type { RunResult } from '../../shared/result.ts';
import type { TimelineFold } from '../model/timeline.ts';
import { fmtMs, words } from '../format.ts';

/** The handoff as a human agent receives it: the summarizer's packet (PII already masked). */
export function HandoffCard({ result, timeline, atMs }: { result: RunResult | null; timeline: TimelineFold; atMs: number }) {
  const h = timeline.handoff;
  if (!h || h.atMs > atMs) return null;
  const packet = result?.handoff?.packet;
  return (
    <section className={`panel handoff-card ${h.priority}`} data-testid="handoff-card" data-reason={h.reason}>
      <h3>
        Handoff <span className={`badge ${h.priority}`}>{h.priority}</span>
      </h3>
      <div className="handoff-reason" data-testid="handoff-reason">
        {words(h.reason)}
      </div>
      <div className="muted small">at {fmtMs(h.atMs)}</div>
      {!packet && <p className="muted small">the packet is written when the call ends…</p>}
      {packet && (
        <dl className="packet">
          <dt>customer</dt>
          <dd>
            {packet.customer.name ?? 'not identified'}
            {packet.customer.customerId ? ` · ${packet.customer.customerId}` : ''}
            {packet.customer.tier ? ` · ${packet.customer.tier}` : ''}
          </dd>
          <dt>intent</dt>
          <dd>{packet.intent}</dd>
          <dt>tools</dt>
          <dd>
            {packet.toolsAttempted.length === 0 && <span className="muted">none</span>}
            {packet.toolsAttempted.map((t) => (
              <div key={`${t.tool}:${t.outcome}`}>
                <code>{t.tool}</code> <span className={`outcome ${t.outcome}`}>{t.outcome}</span> ×{t.count}
              </div>
            ))}
          </dd>
          <dt>frustration</dt>
          <dd>
            {packet.frustration.score.toFixed(2)} <span className="muted">({packet.frustration.trajectory.map((x) => x.toFixed(2)).join(' → ') || '–'})</span>
          </dd>
          <dt>caller said</dt>
          <dd>
            {packet.lastCallerUtterances.map((u, i) => (
              <div key={i} className="quote">
                “{u}”
              </div>
            ))}
          </dd>
          <dt>open</dt>
          <dd>
            <ul>
              {packet.openQuestions.map((q) => (
                <li key={q}>{q}</li>
              ))}
            </ul>
          </dd>
          {packet.checks && (
            <>
              <dt>checks</dt>
              <dd>
                <ul className="summary-checks">
                  {packet.checks.map((c) => (
                    <li key={c.field} className={`check-${c.verdict}`} title={c.why}>
                      {c.verdict === 'verified' ? '✓' : c.verdict === 'replaced' ? '↺' : '✗'} {c.field} · {c.verdict}
                      {c.verdict !== 'verified' && <span className="muted"> — {c.why}</span>}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
