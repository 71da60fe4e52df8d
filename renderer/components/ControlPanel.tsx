import { memo, useState } from 'react';
import type { Fault } from '../../shared/faults.ts';
import { faultApplies, faultParam, type FaultMode } from '../../shared/faultModes.ts';
import type { AppInfo } from '../../shared/ipc.ts';
import type { Policy, PolicyOverride } from '../../shared/policy.ts';
import { actions } from '../appState.ts';
import { PolicyEditor } from './LazyEditors.tsx';

function FaultRow({ target, modes, current, sessionId }: { target: string; modes: readonly FaultMode[]; current: Fault | undefined; sessionId: string | null }) {
  const usable = modes.filter((m) => faultApplies(m, target));
  const [mode, setMode] = useState<FaultMode>(usable.includes('error') ? 'error' : usable[0]);
  const [param, setParam] = useState('');
  const p = faultParam[mode];
  const set = () => {
    const fault: Fault = { target, mode };
    if (p === 'status') fault.status = Number(param || 500);
    if (p === 'ms') fault.ms = Number(param || 1500);
    void actions.control({ sessionId: sessionId!, action: { type: 'fault.set', fault } });
  };
  return (
    <div className={`fault-row${current ? ' faulted' : ''}`} data-testid={`fault-${target}`}>
      <div className="fault-target">
        <code>{target}</code>
        {current && (
          <span className="badge fault" data-testid={`fault-active-${target}`}>
            {current.mode}
            {current.status ? ` ${current.status}` : ''}
            {current.ms !== undefined ? ` ${current.ms} ms` : ''}
          </span>
        )}
      </div>
      <div className="fault-controls">
        <select aria-label={`mode for ${target}`} value={mode} onChange={(e) => setMode(e.target.value as FaultMode)} disabled={!sessionId}>
          {usable.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        {p ? (
          <input aria-label={`${p} for ${target}`} className="param" placeholder={p === 'status' ? '500' : '1500 ms'} value={param} onChange={(e) => setParam(e.target.value)} disabled={!sessionId} />
        ) : (
          <span className="param" />
        )}
        <button className="small" onClick={set} disabled={!sessionId}>
          set
        </button>
        <button className="small ghost" onClick={() => void actions.control({ sessionId: sessionId!, action: { type: 'fault.clear', target } })} disabled={!sessionId || !current}>
          clear
        </button>
      </div>
    </div>
  );
}

/**
 * Breaks things while the call runs: a fault per target (each known tool, agent, ASR, TTS) and
 * any policy value. Each action goes to the running call as a journaled control event.
 */
export const ControlPanel = memo(function ControlPanel({ info, sessionId, faults, policy }: { info: AppInfo; sessionId: string | null; faults: Fault[]; policy: Policy | null }) {
  const [patch, setPatch] = useState<PolicyOverride>({});
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(0);
  return (
    <section className="panel control-panel" data-testid="control-panel">
      <h3>Control panel {!sessionId && <span className="muted small">· no call running</span>}</h3>
      <div className="fault-rows">
        {info.faultTargets.map((t) => (
          <FaultRow key={t} target={t} modes={info.faultModes} current={faults.find((f) => f.target === t)} sessionId={sessionId} />
        ))}
      </div>
      <details className="live-policy">
        <summary>Change policy live</summary>
        <PolicyEditor key={key} base={policy ?? info.policyDefaults} value={{}} onChange={(v, e) => (setPatch(v), setError(e))} testid="live-policy" />
        {error && <div className="field-error">{error}</div>}
        <button
          disabled={!sessionId || !!error || Object.keys(patch).length === 0}
          onClick={() => {
            void actions.control({ sessionId: sessionId!, action: { type: 'policy.set', patch } });
            setPatch({});
            setKey((k) => k + 1);
          }}
        >
          apply to the running call
        </button>
      </details>
    </section>
  );
});
