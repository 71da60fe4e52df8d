import { memo, useRef, useState } from 'react';
import type { Fault } from '../../shared/faults.ts';
import type { PolicyOverride } from '../../shared/policy.ts';
import { resolvePolicy } from '../../shared/policyDefaults.ts';
import type { AppInfo, LibraryRecording, LibraryScenario, Request } from '../../shared/ipc.ts';
import { actions, app, models } from '../appState.ts';
import { useStore } from '../store.ts';
import { FaultPlanEditor, PolicyEditor } from './LazyEditors.tsx';

type Picked =
  | { kind: 'scenario'; s: LibraryScenario }
  | { kind: 'recording'; r: LibraryRecording }
  | { kind: 'file'; name: string; text: string; faults: Fault[]; policy: PolicyOverride; description: string | null }
  | { kind: 'mic' };

/** What a microphone call listens to: this computer's microphone, or a WAV played as if it were one. */
type MicInput = { kind: 'device' } | { kind: 'library'; file: string } | { kind: 'file'; name: string; base64: string };

/** A file's bytes in base64, for the bridge (JSON carries no bytes). */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function MicIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
      <rect x="5.5" y="1.5" width="5" height="8.5" rx="2.5" fill="currentColor" />
      <path d="M3.5 7.5a4.5 4.5 0 0 0 9 0M8 12v2.5M5.5 14.5h5" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" />
    </svg>
  );
}

/**
 * Starts a call: a scenario or recording of the library, a scenario file, or the microphone
 * (captured by the Node side, or a WAV played as it); policy, faults, pacing.
 */
export const StartCall = memo(function StartCall({ info, library }: { info: AppInfo; library: { scenarios: LibraryScenario[]; recordings: LibraryRecording[] } }) {
  const busy = useStore(app, (s) => s.busy);
  const preparing = useStore(app, (s) => s.preparing);
  const [picked, setPicked] = useState<Picked | null>(() => (library.scenarios[0] ? { kind: 'scenario', s: library.scenarios.find((x) => x.name === 'happy-path') ?? library.scenarios[0] } : null));
  const [pacing, setPacing] = useState<'realtime' | 'virtual'>('realtime');
  const [policy, setPolicy] = useState<PolicyOverride>({});
  const [policyError, setPolicyError] = useState<string | null>(null);
  const [replaceFaults, setReplaceFaults] = useState(false);
  const [faults, setFaults] = useState<Fault[] | null>([]);
  const [editorKey, setEditorKey] = useState(0);
  const [micInput, setMicInput] = useState<MicInput>({ kind: 'device' });
  /** Hear the agent: on for a role-play on the microphone (with headphones), off for a WAV. */
  const [speak, setSpeak] = useState<boolean | null>(null);
  const speakOn = speak ?? micInput.kind === 'device';
  const [startError, setStartError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const wavInput = useRef<HTMLInputElement>(null);

  const ownFaults = picked?.kind === 'scenario' ? picked.s.faults : picked?.kind === 'file' ? picked.faults : [];
  const ownPolicy = picked?.kind === 'scenario' ? picked.s.policy : picked?.kind === 'file' ? picked.policy : {};
  const pick = (p: Picked | null) => {
    setPicked(p);
    setStartError(null);
    setFaults(p?.kind === 'scenario' ? p.s.faults : p?.kind === 'file' ? p.faults : []);
    setEditorKey((k) => k + 1);
  };
  const selectValue = picked?.kind === 'scenario' ? picked.s.file : picked?.kind === 'recording' ? picked.r.file : picked?.kind === 'file' ? '@file' : picked?.kind === 'mic' ? '@mic' : '';
  const mic = picked?.kind === 'mic';
  // The microphone speaks on the wall clock: there is no instant microphone call.
  const effectivePacing = mic ? 'realtime' : pacing;
  // one live call at a time, in every tab: each follows a call started anywhere (appState drain)
  const running = useStore(app, (st) => (st.tick, [...models.values()].find((m) => m.running)?.sessionId ?? null));
  const canStart = !!picked && !policyError && (!replaceFaults || faults !== null) && !busy && !running && (!mic || info.audio.available);
  const micValue = micInput.kind === 'device' ? '@device' : micInput.kind === 'library' ? micInput.file : '@wav';

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
            else if (v === '@mic') pick({ kind: 'mic' });
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
          <optgroup label="live">
            <option value="@mic">microphone</option>
          </optgroup>
          {picked?.kind === 'file' && <option value="@file">{picked.name} (opened)</option>}
        </select>
      </label>
      <div className="row-buttons">
        <button className="ghost small" onClick={() => fileInput.current?.click()}>
          open a scenario file…
        </button>
        <button
          className={`small mic-button${mic ? ' on' : ''}`}
          aria-pressed={mic}
          data-testid="mic-button"
          disabled={!info.audio.available}
          title={info.audio.available ? 'a live call from the microphone' : (info.audio.reason ?? undefined)}
          onClick={() => pick({ kind: 'mic' })}
        >
          <MicIcon /> mic
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
      {mic && (
        <label className="field mic-input">
          <span>listen to</span>
          <select
            data-testid="mic-input"
            value={micValue}
            onChange={(e) => {
              const v = e.target.value;
              if (v === '@device') setMicInput({ kind: 'device' });
              else if (v === '@open') wavInput.current?.click();
              else if (v !== '@wav') setMicInput({ kind: 'library', file: v });
            }}
          >
            <option value="@device">this computer's microphone</option>
            <optgroup label="play a WAV as the microphone">
              {library.recordings.map((r) => (
                <option key={r.file} value={r.file}>
                  {r.name}.wav
                </option>
              ))}
              {micInput.kind === 'file' && <option value="@wav">{micInput.name} (opened)</option>}
              <option value="@open">open a WAV…</option>
            </optgroup>
          </select>
          <input
            ref={wavInput}
            data-testid="open-wav"
            type="file"
            accept=".wav,audio/wav,audio/x-wav"
            hidden
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              setMicInput({ kind: 'file', name: f.name, base64: await base64Of(f) });
              setStartError(null);
              e.target.value = '';
            }}
          />
        </label>
      )}
      {mic && (
        <label className="check small" title="the agent's lines are synthesized and played on this computer's speakers; use headphones so the microphone does not hear them">
          <input type="checkbox" data-testid="mic-speak" checked={speakOn} onChange={(e) => setSpeak(e.target.checked)} /> hear the agent (use headphones)
        </label>
      )}
      <p className="muted small description">
        {mic &&
          (!info.audio.available
            ? info.audio.reason
            : micInput.kind === 'device'
              ? 'a live call from the microphone on the wall clock, heard by this computer (VAD and ASR), the agent simulated. Stop hangs up.'
              : 'the WAV plays in real time as if it were the microphone, through the same VAD and ASR; its end hangs up.')}
        {picked?.kind === 'scenario' && (picked.s.description ?? `${picked.s.turns} caller turns`)}
        {picked?.kind === 'recording' && (info.audio.available ? 'a recorded call, through VAD and ASR' : info.audio.reason)}
        {picked?.kind === 'file' && (picked.description ?? picked.name)}
      </p>
      <div className="segmented" role="radiogroup" aria-label="pacing">
        <button role="radio" aria-checked={effectivePacing === 'realtime'} className={effectivePacing === 'realtime' ? 'on' : ''} onClick={() => setPacing('realtime')} data-testid="pacing-realtime">
          live · wall clock
        </button>
        <button
          role="radio"
          aria-checked={effectivePacing === 'virtual'}
          className={effectivePacing === 'virtual' ? 'on' : ''}
          onClick={() => setPacing('virtual')}
          disabled={mic}
          data-testid="pacing-virtual"
        >
          instant
        </button>
      </div>
      <details>
        <summary>Policy {Object.keys(policy).length > 0 && <span className="badge">{Object.keys(policy).length} changed</span>}</summary>
        <PolicyEditor key={`p${editorKey}`} base={resolvePolicy(ownPolicy)} value={{}} onChange={(v, e) => (setPolicy(v), setPolicyError(e))} testid="start-policy" />
        {policyError && <div className="field-error">{policyError}</div>}
      </details>
      <details>
        <summary>
          Fault plan <span className="muted small">· {mic ? 'none for the microphone' : `${ownFaults.length} in the scenario`}</span>
        </summary>
        <label className="check">
          <input type="checkbox" checked={replaceFaults} onChange={(e) => setReplaceFaults(e.target.checked)} /> {mic ? 'run the call with:' : "replace the scenario's plan with:"}
        </label>
        <FaultPlanEditor key={`f${editorKey}`} value={ownFaults} onChange={(v) => setFaults(v)} testid="start-faults" />
      </details>
      <button
        className="primary wide"
        data-testid="start-call-button"
        disabled={!canStart}
        onClick={() => {
          if (!picked) return;
          const source: Request<'call.start'>['source'] =
            picked.kind === 'file'
              ? { kind: 'file', name: picked.name, text: picked.text }
              : picked.kind === 'mic'
                ? { kind: 'mic', wav: micInput.kind === 'device' ? undefined : micInput, speak: speakOn }
                : { kind: 'library', file: picked.kind === 'scenario' ? picked.s.file : picked.r.file };
          setStartError(null);
          actions
            .startCall({ source, pacing: effectivePacing, policy: Object.keys(policy).length ? policy : undefined, faults: replaceFaults && faults ? faults : undefined })
            .catch((err: Error) => setStartError(err.message));
        }}
      >
        {busy === 'starting call'
          ? 'starting…'
          : mic
            ? micInput.kind === 'device'
              ? '▶ start mic call'
              : '▶ play it as the microphone'
            : pacing === 'realtime'
              ? '▶ start live call'
              : '▶ run instantly'}
      </button>
      {busy === 'starting call' && preparing && (
        <div className="start-progress small" data-testid="start-progress">
          <span>
            {preparing.file}: {preparing.stage}
            {preparing.stage === 'recognizing'
              ? ` ${preparing.total} stretch${preparing.total === 1 ? '' : 'es'}${preparing.done === preparing.total ? ' · done' : '…'}`
              : preparing.stage === 'detecting speech'
                ? ` ${Math.round((100 * preparing.done) / Math.max(1, preparing.total))} %`
                : '…'}
          </span>
          {/* detection counts its frames; recognition runs its stretches at once: no count to show */}
          {preparing.stage === 'detecting speech' ? <progress max={preparing.total} value={preparing.done} /> : <progress />}
        </div>
      )}
      {running && (
        <div className="muted small" data-testid="start-blocked">
          a call is running ({running}): stop it, or wait for its end, to start another
        </div>
      )}
      {startError && (
        <div className="field-error start-error" role="alert" data-testid="start-error">
          {startError}
        </div>
      )}
    </section>
  );
});
