import { callMachine } from '../../shared/machine.ts';
import { machineGraph, type MachineGraph } from '../../shared/graph.ts';
import { faultModes, faultTargets } from '../../shared/faults.ts';
import { policyDefaults } from '../../shared/policy.ts';
import { scenarioSchema, type Scenario } from '../../shared/scenario.ts';
import { InputError, jsonPath, parseJsonWith } from '../../shared/validate.ts';
import { validateRequest, type AppInfo, type Channel, type Checkpoint, type IpcResult, type PushBatch, type Request, type Response, type StartProgress } from '../../shared/ipc.ts';
import type { SessionStore } from '../store/sessions.ts';
import { appVersion } from '../engine/version.ts';
import { setupFor } from '../engine/setup.ts';
import { fork, replaySession, whatIf } from '../engine/investigate.ts';
import { readScenario } from '../input/files.ts';
import type { CallSetup } from '../engine/runner.ts';
import { LiveCalls } from './live.ts';
import { libraryPath, listLibrary } from './library.ts';
import { viewJournal } from './view.ts';
import { sessionCheckpoints } from './checkpoints.ts';
import { toIpcError, UnavailableError } from './errors.ts';
import { brokenInstallMessage } from '../install.ts';
import { startMicCall } from './micCall.ts';
import { envProblem, scenarioEnvConfig } from '../world/secrets.ts';

type Handlers = { [C in Channel]: (request: Request<C>) => Promise<Response<C>> | Response<C> };

export interface ApiOptions {
  store: SessionStore;
  /** The library the UI picks calls from: a folder with scenarios/ and audio/. */
  recordingsDir: string;
}

type AudioPipeline = typeof import('../audio/pipeline.ts');

/**
 * A scenario opened in the app reads no environment variable: the server gives calls none
 * (world/secrets.ts), so one that names a key or a `${NAME}` header is refused before it starts,
 * with the CLI's line, instead of failing at its first request. Pure apart from reading process.env.
 */
function sendsNoSecrets(scenario: Scenario, file: string): Scenario {
  const leak = envProblem(scenarioEnvConfig(scenario), new Set(), process.env);
  if (leak)
    throw new InputError(
      file,
      jsonPath(leak.path[0] === 'model' ? ['agent', ...leak.path] : leak.path),
      leak.problem.replace(/: pass --allow-env .*/, ': run it with `callsim run --allow-env` instead'),
    );
  return scenario;
}
/**
 * The audio pipeline recorded calls are heard through, loaded on first use: it brings the VAD
 * and speech models, which a machine may lack (then recorded calls are unavailable, scenarios
 * still run).
 */
async function loadAudioCall(): Promise<{ audio: AudioPipeline; reason: null } | { audio: null; reason: string }> {
  try {
    return { audio: await import('../audio/pipeline.ts'), reason: null };
  } catch (err) {
    return { audio: null, reason: `recorded calls cannot run here: ${brokenInstallMessage(err) ?? (err as Error).message.split('\n')[0]}` };
  }
}

/**
 * The Node side of the contract in shared/ipc.ts: one handler per channel, over the session
 * store, the engine and the live calls. Both the Electron IPC handlers and `callsim serve`'s
 * WebSocket call `handle`, which validates the request first and turns every outcome into
 * `{ ok, value } | { ok, error }`. Effects: whatever the channel does (runs calls, writes sessions).
 */
export class CallsimApi {
  readonly live: LiveCalls;
  /** The recorded call a call.start is preparing now (its audio being heard), if any. */
  private preparing: StartProgress | null = null;
  private readonly listeners = new Set<(b: PushBatch[]) => void>();
  private graph: MachineGraph | null = null;
  private readonly checkpointCache = new Map<string, { events: number; checkpoints: Checkpoint[] }>();

  constructor(private readonly o: ApiOptions) {
    this.live = new LiveCalls(o.store, (b) => {
      for (const l of this.listeners) l(b);
    });
  }

  /** Subscribes to live pushes; returns the unsubscribe function. */
  onPush(listener: (b: PushBatch[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates and serves one request. Never throws: every failure is an `IpcError`. */
  async handle(channel: string, request: unknown): Promise<IpcResult<unknown>> {
    const v = validateRequest(channel, request);
    if (!v.ok) return v;
    try {
      const handler = this.handlers[v.channel] as (r: unknown) => unknown;
      return { ok: true, value: await handler(v.request) };
    } catch (err) {
      return { ok: false, error: toIpcError(err) };
    }
  }

  /** Stops the live calls (each is saved as it stands). */
  close(): Promise<void> {
    return this.live.stopAll();
  }

  private readonly handlers: Handlers = {
    'app.info': async (): Promise<AppInfo> => {
      const audio = await loadAudioCall();
      return {
        version: appVersion,
        policyDefaults: { ...policyDefaults },
        faultTargets: [...faultTargets],
        faultModes: [...faultModes],
        audio: { available: !!audio.audio, reason: audio.reason },
        dbPath: this.o.store.file,
      };
    },
    'machine.graph': () => (this.graph ??= machineGraph(callMachine)),
    'library.list': () => listLibrary(this.o.recordingsDir),
    'call.start': async (r) => {
      if (r.source.kind === 'mic') return startMicCall({ live: this.live, store: this.o.store, recordingsDir: this.o.recordingsDir }, { ...r, source: r.source });
      const overrides = { policy: r.policy, faults: r.faults, seed: r.seed };
      let setup: CallSetup;
      if (r.source.kind === 'library' && r.source.file.endsWith('.wav')) {
        const file = libraryPath(this.o.recordingsDir, r.source.file);
        const loaded = await loadAudioCall();
        if (!loaded.audio) throw new UnavailableError(loaded.reason);
        // while its audio is heard (seconds: VAD over the whole file, then recognition), the UI
        // asks how far it has got (call.preparing)
        this.preparing = { file: r.source.file, stage: 'reading', done: 0, total: 1 };
        const preparing = this.preparing;
        try {
          setup = await setupFor({ kind: 'recording', file }, { ...overrides, onProgress: (p) => Object.assign(preparing, p) });
        } catch (err) {
          if (err instanceof InputError || brokenInstallMessage(err)) throw err;
          if ((err as Error).name === 'AudioInputError') throw new InputError(r.source.file, '', (err as Error).message);
          // Missing speech models and the like: the recording cannot be heard on this machine.
          throw new UnavailableError(`${r.source.file}: ${(err as Error).message}`);
        } finally {
          if (this.preparing === preparing) this.preparing = null;
        }
      } else if (r.source.kind === 'library') {
        setup = await setupFor({ kind: 'scenario', scenario: sendsNoSecrets(readScenario(libraryPath(this.o.recordingsDir, r.source.file)), r.source.file) }, overrides);
      } else {
        if (!/\.json$/i.test(r.source.name)) throw new InputError(r.source.name, '', 'open a scenario .json file (recorded calls are picked from the library)');
        setup = await setupFor({ kind: 'scenario', scenario: sendsNoSecrets(parseJsonWith(r.source.text, r.source.name, scenarioSchema), r.source.name) }, overrides);
      }
      const { sessionId } = await this.live.start(setup, { pacing: r.pacing });
      return { sessionId };
    },
    'call.preparing': () => (this.preparing ? { ...this.preparing } : null),
    'call.control': (r) => {
      if (!this.live.control(r.sessionId, r.action)) throw notRunning(r.sessionId);
      return { applied: true as const };
    },
    'call.stop': (r) => ({ stopped: this.live.stop(r.sessionId) }),
    'calls.live': () => this.live.list(),
    'sessions.list': () => this.o.store.list(),
    'sessions.open': (r) => {
      const summary = this.o.store.resolve(r.sessionId);
      // a running call's journal from its runner: the store may lag its newest entries by a batch
      const entries = this.live.journalSoFar(summary.sessionId) ?? this.o.store.journal(summary.sessionId);
      const { journal, waveform } = viewJournal(entries);
      return { summary, result: this.o.store.result(summary.sessionId), journal, waveform };
    },
    'sessions.checkpoints': (r) => {
      const s = this.o.store.resolve(r.sessionId);
      const cached = this.checkpointCache.get(s.sessionId);
      if (cached && cached.events === s.events && s.status !== 'running') return { checkpoints: cached.checkpoints };
      const checkpoints = sessionCheckpoints(this.o.store.journal(s.sessionId));
      if (this.checkpointCache.size >= 8) this.checkpointCache.delete(this.checkpointCache.keys().next().value!);
      this.checkpointCache.set(s.sessionId, { events: s.events, checkpoints });
      return { checkpoints };
    },
    'sessions.export': (r) => {
      const doc = this.o.store.export(r.sessionId);
      return { fileName: `${doc.session.sessionId}.callsim.json`, json: `${JSON.stringify(doc, null, 1)}\n` };
    },
    'sessions.import': (r) => ({ sessionId: this.o.store.import(r.fileName, r.text) }),
    'sessions.delete': (r) => {
      const s = this.o.store.resolve(r.sessionId);
      if (this.live.list().some((c) => c.sessionId === s.sessionId)) throw new InputError(`session ${s.sessionId}`, '', 'is running; stop the call before deleting it');
      this.checkpointCache.delete(s.sessionId);
      return { deleted: this.o.store.delete(s.sessionId) };
    },
    'sessions.replay': (r) => replaySession(this.o.store, r.sessionId),
    'sessions.whatif': async (r) => {
      const w = await whatIf(this.o.store, r.sessionId, r.policy);
      return { parentId: w.parent.sessionId, childId: w.run.sessionId, parent: w.parent, child: w.child, diff: w.diff };
    },
    'sessions.fork': async (r) => {
      const f = await fork(this.o.store, r.sessionId, r.atMs, { faults: r.faults, policy: r.policy });
      return { sessionId: f.run.sessionId, checkedTransitions: f.checkedTransitions };
    },
  };
}

const notRunning = (id: string) => new InputError(`session ${id}`, '', 'is not running (a saved session cannot change; fork it from the scrubber instead)');
