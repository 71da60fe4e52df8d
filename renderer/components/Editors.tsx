import { useState } from 'react';
import { faultPlanSchema, type Fault } from '../../shared/faults.ts';
import { policyOverrideSchema, type Policy, type PolicyOverride } from '../../shared/policy.ts';

const policyHelp: Record<keyof Policy, string> = {
  toolLatencyBudgetMs: 'a tool call not answered by then is abandoned',
  toolRetries: 'retries of one failed call',
  circuitBreakerFailures: 'consecutive failures of a backend that open its breaker',
  sameToolMaxConsecutive: 'calls of one tool in a row before tool_loop',
  fillerAfterMs: 'agent thinking: play filler',
  thinkingBudgetMs: 'agent thinking: latency_timeout handoff',
  deadAirMs: 'caller silent: reprompt',
  deadAirReprompts: 'unanswered reprompts before dead_air',
  noProgressTurns: 'turns the agent cannot act on (0: off)',
  tokenBudget: 'tokens before cost_limit',
  frustrationThreshold: 'score (0..1) for caller_frustration',
  bargeInMinSpeechMs: 'caller speech over the agent that pauses it',
  falseInterruptionTimeoutMs: 'paused that long, the agent stops for good',
  endOfTurnSilenceMs: 'silence that ends a caller turn',
};

/**
 * The policy's keys as number fields: empty means "as `base`"; a filled one is an override.
 * Reports the override (validated with the policy schema) or the first problem.
 */
export function PolicyEditor({ base, value, onChange, testid }: { base: Policy; value: PolicyOverride; onChange: (v: PolicyOverride, error: string | null) => void; testid?: string }) {
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])));
  const update = (key: string, text: string) => {
    const next = { ...texts, [key]: text };
    setTexts(next);
    const raw: Record<string, number> = {};
    for (const [k, t] of Object.entries(next)) if (t.trim() !== '') raw[k] = Number(t);
    const r = policyOverrideSchema.safeParse(raw);
    onChange(r.success ? r.data : (raw as PolicyOverride), r.success ? null : `${String(r.error.issues[0].path[0] ?? '')}: ${r.error.issues[0].message}`);
  };
  return (
    <div className="policy-editor" data-testid={testid}>
      {(Object.keys(base) as (keyof Policy)[]).map((k) => (
        <label key={k} className={texts[k]?.trim() ? 'changed' : ''} title={policyHelp[k]}>
          <span className="k">{k}</span>
          <input name={k} inputMode="decimal" placeholder={String(base[k])} value={texts[k] ?? ''} onChange={(e) => update(k, e.target.value)} />
        </label>
      ))}
    </div>
  );
}

/** A fault plan as JSON (SPEC §4), validated as it is typed. */
export function FaultPlanEditor({ value, onChange, testid }: { value: Fault[]; onChange: (v: Fault[] | null, error: string | null) => void; testid?: string }) {
  const [text, setText] = useState(() => JSON.stringify(value, null, 1));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="fault-editor">
      <textarea
        data-testid={testid}
        spellCheck={false}
        rows={5}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          let raw: unknown;
          try {
            raw = JSON.parse(e.target.value || '[]');
          } catch {
            setError('not valid JSON');
            return onChange(null, 'not valid JSON');
          }
          const r = faultPlanSchema.safeParse(raw);
          const msg = r.success ? null : `$${r.error.issues[0].path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${r.error.issues[0].message}`;
          setError(msg);
          onChange(r.success ? r.data : null, msg);
        }}
      />
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}
