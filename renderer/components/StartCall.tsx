import { memo, useRef, useState } from 'react';
import type { Fault } from '../../shared/faults.ts';
import { resolvePolicy, type PolicyOverride } from '../../shared/policy.ts';
import type { AppInfo, LibraryRecording, LibraryScenario } from '../../shared/ipc.ts';
import { actions, app } from '../appState.ts';
import { useStore } from '../store.ts';
import { FaultPlanEditor, PolicyEditor } from './Editors.tsx';

type Picked = { kind: 'scenario'; s: LibraryScenario } | { kind: 'recording'; r: LibraryRecording } | { kind: 'file'; name: string; text: string; faults: Fault[]; policy: PolicyOverride; description: string | null };

/** Starts a call: a scenario or recording of the library, or a scenario file; policy, faults, pacing. */
export const StartCall = memo(function StartCall({ info, library }: { info: AppInfo; library: { scenarios: LibraryScenario[]; recordings: LibraryRecording[] } }) {
  const busy = useStore(app, (s) => s.busy);
  const [picked, setPicked] = useState<Picked | null>(() => (library.scenarios[0] ? { kind: 'scenario', s: library.scenarios.find((x) => x.name === 'happy-path') ?? library.scenarios[0] } : null));
  const [pacing, setPacing] = useState<'realtime' | 'virtual'>('realtime');
  const [policy, setPolicy] = useState<PolicyOverride>({});
  const [policyError, setPolicyError] = useState<string | null>(null);
  const [replaceFaults, setReplaceFaults] = useState(false);
  const [faults, setFaults] = useState<Fault[] | null>([]);
  const [editorKey, setEditorKey] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);

  const ownFaults = picked?.kind === 'scenario' ? picked.s.faults : picked?.kind === 'file' ? picked.faults : [];
  const ownPolicy = picked?.kind === 'scenario' ? picked.s.policy : picked?.kind === 'file' ? picked.policy : {};
  const pick = (p: Picked | null) => {
    setPicked(p);
    setFaults(p?.kind === 'scenario' ? p.s.faults : p?.kind === 'file' ? p.faults : []);
    setEditorKey((k) => k + 1);
  };
  const selectValue = picked?.kind === 'scenario' ? picked.s.file : picked?.kind === 'recording' ? picked.r.file : picked?.kind === 'file' ? '@file' : '';
  const canStart = !!picked && !policyError && (!replaceFaults || faults !== null) && !busy;

  return (
    <section className="panel start-call" data-testid="start-call">
      <h3>Start a call</h3>
      <label className="field">
        <span>caller</span>
        <select
          data-testid="source-select"
          value={selectValue}
          onChange={(e) => {
            const v = e.target.value;
            const s = library.scenarios.find((x) => x.file === v);
            const r = library.recordings.find((x) => x.file === v);
            if (s) pick({ kind: 'scenario', s });
            else if (r) pick({ kind: 'recording', r });
          }}
        >
          <optgroup label="scenarios (recordings/scenarios)">
            {library.scenarios.map((s) => (
              <option key={s.file} value={s.file}>
                {s.name}
              </option>
            ))}
          </optgroup>
          <optgroup label={`recorded calls (recordings/audio)${info.audio.available ? '' : ' · audio not available yet'}`}>
            {library.recordings.map((r) => (
              <option key={r.file} value={r.file}>
                {r.name}.wav
              </option>
            ))}
          </optgroup>
          {picked?.kind === 'file' && <option value="@file">{picked.name} (opened)</option>}
        </select>
      </label>
      <div className="row-buttons">
        <button className="ghost small" onClick={() => fileInput.current?.click()}>
          open a scenario file…
        </button>
        <input
          ref={fileInput}
          data-testid="open-file"
          type="file"
          accept=".json,application/json"
          hidden
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            const text = await f.text();
            let parsed: { faults?: Fault[]; policy?: PolicyOverride; description?: string } = {};
            try {
              parsed = JSON.parse(text);
            } catch {
              /* the server names the problem when the call starts */
            }
            pick({ kind: 'file', name: f.name, text, faults: parsed.faults ?? [], policy: parsed.policy ?? {}, description: parsed.description ?? null });
            e.target.value = '';
          }}
        />
      </div>
      <p className="muted small description">
        {picked?.kind === 'scenario' && (picked.s.description ?? `${picked.s.turns} caller turns`)}
        {picked?.kind === 'recording' && (info.audio.available ? 'a recorded call, through VAD and ASR' : info.audio.reason)}
        {picked?.kind === 'file' && (picked.description ?? picked.name)}
      </p>
      <div className="segmented" role="radiogroup" aria-label="pacing">
        <button role="radio" aria-checked={pacing === 'realtime'} className={pacing === 'realtime' ? 'on' : ''} onClick={() => setPacing('realtime')} data-testid="pacing-realtime">
          live · wall clock
        </button>
        <button role="radio" aria-checked={pacing === 'virtual'} className={pacing === 'virtual' ? 'on' : ''} onClick={() => setPacing('virtual')} data-testid="pacing-virtual">
          instant
        </button>
      </div>
      <details>
        <summary>
          Policy {Object.keys(policy).length > 0 && <span className="badge">{Object.keys(policy).length} changed</span>}
        </summary>
        <PolicyEditor key={`p${editorKey}`} base={resolvePolicy(ownPolicy)} value={{}} onChange={(v, e) => (setPolicy(v), setPolicyError(e))} testid="start-policy" />
        {policyError && <div className="field-error">{policyError}</div>}
      </details>
      <details>
        <summary>
          Fault plan <span className="muted small">· {ownFaults.length} in the scenario</span>
        </summary>
        <label className="check">
          <input type="checkbox" checked={replaceFaults} onChange={(e) => setReplaceFaults(e.target.checked)} /> replace the scenario's plan with:
        </label>
        <FaultPlanEditor key={`f${editorKey}`} value={ownFaults} onChange={(v) => setFaults(v)} testid="start-faults" />
      </details>
      <button
        className="primary wide"
        data-testid="start-call-button"
        disabled={!canStart}
        onClick={() => {
          if (!picked) return;
          const source = picked.kind === 'file' ? { kind: 'file' as const, name: picked.name, text: picked.text } : { kind: 'library' as const, file: picked.kind === 'scenario' ? picked.s.file : picked.r.file };
          void actions.startCall({ source, pacing, policy: Object.keys(policy).length ? policy : undefined, faults: replaceFaults && faults ? faults : undefined });
        }}
      >
        {busy === 'starting call' ? 'starting…' : pacing === 'realtime' ? '▶ start live call' : '▶ run instantly'}
      </button>
    </section>
  );
});
