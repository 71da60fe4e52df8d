import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MODEL_ARGS, MODEL_DIR, OPEN_LM_ARGS, SEARCH_CAPS, modelsInstalled } from './asr.ts';

/** Where Debian and Ubuntu put pocketsphinx 0.8's shared libraries. */
export const DEFAULT_LIBRARIES = {
  pocketsphinx: '/usr/lib/x86_64-linux-gnu/libpocketsphinx.so.3',
  sphinxbase: '/usr/lib/x86_64-linux-gnu/libsphinxbase.so.3',
} as const;

export interface StreamingOptions {
  /** The shared libraries to load (tests point them elsewhere to take the fallback). */
  libraries?: { pocketsphinx: string; sphinxbase: string };
}

/** Streaming recognition cannot run here: `message` says why, in one line. */
export class StreamingUnavailableError extends Error {
  override name = 'StreamingUnavailableError';
}

/**
 * The worker's code, plain CommonJS run with `eval` (so that the CLI's bundle and the sources
 * run the same file, with no second entry point to build): it loads pocketsphinx 0.8 through
 * koffi and answers one request at a time, in order, each with the thread's CPU time it took.
 */
const WORKER_CODE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
let koffi, api, decoder = null, threadCpuNs;
try {
  koffi = require(workerData.koffi);
  const sb = koffi.load(workerData.libraries.sphinxbase);
  const ps = koffi.load(workerData.libraries.pocketsphinx);
  const libc = koffi.load('libc.so.6');
  const timespec = koffi.struct('callsim_timespec', { tv_sec: 'int64_t', tv_nsec: 'int64_t' });
  const clockGettime = libc.func('int clock_gettime(int clk, _Out_ callsim_timespec *ts)');
  threadCpuNs = () => { const ts = {}; clockGettime(3 /* CLOCK_THREAD_CPUTIME_ID */, ts); return Number(ts.tv_sec) * 1e9 + Number(ts.tv_nsec); };
  api = {
    cmdLnInit: sb.func('void *cmd_ln_init(void *inout, void *defn, int strict, ...)'),
    psArgs: ps.func('void *ps_args()'),
    init: ps.func('void *ps_init(void *config)'),
    startUtt: ps.func('int ps_start_utt(void *ps, const char *uttid)'),
    processRaw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)'),
    getHyp: ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score, void *uttid)'),
    endUtt: ps.func('int ps_end_utt(void *ps)'),
    free: ps.func('int ps_free(void *ps)'),
  };
} catch (err) {
  parentPort.postMessage({ id: 0, error: 'cannot load: ' + (err && err.message ? err.message : String(err)).split('\n')[0] });
  api = null;
}
const hyp = () => { const h = api.getHyp(decoder, [0], null); return h ? h.trim() || null : null; };
if (api) {
  parentPort.on('message', (m) => {
    const before = threadCpuNs();
    let reply;
    try {
      // never a null decoder into the library: that would crash the process, not just this call
      if (m.op !== 'init' && m.op !== 'free' && !decoder) throw new Error('the decoder is not loaded');
      if (m.op === 'init') {
        const args = [];
        for (const s of m.args) args.push('str', s);
        args.push('str', null);
        const config = api.cmdLnInit(null, api.psArgs(), 1, ...args);
        if (!config) throw new Error('pocketsphinx refused its arguments');
        decoder = api.init(config);
        if (!decoder) throw new Error('pocketsphinx could not load its models');
        reply = {};
      } else if (m.op === 'start') {
        if (api.startUtt(decoder, null) < 0) throw new Error('ps_start_utt failed');
        reply = {};
      } else if (m.op === 'feed') {
        const pcm = new Int16Array(m.pcm);
        if (pcm.length > 0 && api.processRaw(decoder, pcm, pcm.length, 0, 0) < 0) throw new Error('ps_process_raw failed');
        reply = { text: hyp() };
      } else if (m.op === 'end') {
        if (api.endUtt(decoder) < 0) throw new Error('ps_end_utt failed');
        reply = { text: hyp() };
      } else if (m.op === 'free') {
        if (decoder) api.free(decoder);
        decoder = null;
        reply = {};
      }
    } catch (err) {
      reply = { error: err && err.message ? err.message : String(err) };
    }
    reply.id = m.id;
    reply.cpuNs = threadCpuNs() - before;
    parentPort.postMessage(reply);
  });
  parentPort.postMessage({ id: 0, ready: true });
}
`;

interface Reply {
  id: number;
  text?: string | null;
  error?: string;
  ready?: boolean;
  cpuNs?: number;
}

/**
 * pocketsphinx 0.8's own streaming decoder (libpocketsphinx through koffi), run on a worker
 * thread so the call's loop never waits on it: audio is fed as it arrives and each feed answers
 * with the hypothesis so far (a partial), the words of the utterance heard up to there. Same
 * models and search caps as the whole-utterance recognizer (asr.ts), which still gives the final
 * words: the streaming mode's are worse. One utterance at a time (start, feed…, end); requests
 * are answered in order. Effects: a worker thread, the models in memory (about 0.7 s to load).
 */
export class StreamingRecognizer {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private closed = false;
  private failure: Error | null = null;
  /** CPU time the worker thread spent in requests, ms. */
  cpuMs = 0;
  /** The same, over every streaming recognizer of this process (the bench reads it). */
  static totalCpuMs = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: Reply) => {
      if (typeof r.cpuNs === 'number') {
        this.cpuMs += r.cpuNs / 1e6;
        StreamingRecognizer.totalCpuMs += r.cpuNs / 1e6;
      }
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (r.error !== undefined) w.reject(new StreamingUnavailableError(r.error));
      else w.resolve(r);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new StreamingUnavailableError('the streaming recognizer stopped')));
  }

  /**
   * Starts the worker and loads the libraries and models. Rejects with StreamingUnavailableError
   * (a one-line reason) when koffi, libpocketsphinx or the English models are missing.
   */
  static async load(o: StreamingOptions = {}): Promise<StreamingRecognizer> {
    const libraries = o.libraries ?? DEFAULT_LIBRARIES;
    for (const lib of Object.values(libraries)) {
      if (!existsSync(lib)) throw new StreamingUnavailableError(`${lib} not found (Debian: apt-get install libpocketsphinx3)`);
    }
    if (!modelsInstalled()) throw new StreamingUnavailableError(`pocketsphinx English models not found in ${MODEL_DIR}`);
    let koffi: string;
    try {
      koffi = createRequire(import.meta.url).resolve('koffi');
    } catch {
      throw new StreamingUnavailableError('the koffi package is not installed (npm ci)');
    }
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { koffi, libraries } });
    const r = new StreamingRecognizer(worker);
    try {
      await r.request({ op: 'hello' }, 0);
      await r.request({
        op: 'init',
        args: [
          ...MODEL_ARGS,
          ...OPEN_LM_ARGS,
          '-samprate',
          '16000',
          '-logfn',
          '/dev/null',
          ...SEARCH_CAPS,
          // partials come from the first (tree) pass alone; the second passes would only run at
          // each stretch's end, for words nobody reads (the whole-utterance recognizer gives those)
          '-fwdflat',
          'no',
          '-bestpath',
          'no',
        ],
      });
    } catch (err) {
      r.close();
      throw err instanceof StreamingUnavailableError ? err : new StreamingUnavailableError((err as Error).message);
    }
    return r;
  }

  /** Starts an utterance. */
  async start(): Promise<void> {
    await this.request({ op: 'start' });
  }

  /** Feeds 16 kHz samples (−1..1) of the utterance; resolves with the words heard so far, or null for none. */
  async feed(samples16k: Float32Array): Promise<string | null> {
    const pcm = new Int16Array(samples16k.length);
    for (let i = 0; i < samples16k.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples16k[i] * 32767)));
    return (await this.request({ op: 'feed', pcm: pcm.buffer }, undefined, [pcm.buffer])).text ?? null;
  }

  /** Ends the utterance; resolves with its last hypothesis. */
  async end(): Promise<string | null> {
    return (await this.request({ op: 'end' })).text ?? null;
  }

  /** Frees the decoder and ends the worker. Effects: as said. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.request({ op: 'free' })
      .catch(() => undefined)
      .finally(() => void this.worker.terminate());
  }

  /** Sends `msg`; `id` 0 waits for the worker's first message (ready, or why it could not load). */
  private request(msg: Record<string, unknown>, id?: number, transfer?: ArrayBuffer[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed && msg.op !== 'free') return Promise.reject(new StreamingUnavailableError('the streaming recognizer is closed'));
    const n = id ?? this.nextId++;
    const answered = new Promise<Reply>((resolve, reject) => this.waiting.set(n, { resolve, reject }));
    // an idle decoder does not keep the process alive; one owing an answer does
    this.worker.ref();
    if (n !== 0) this.worker.postMessage({ ...msg, id: n }, transfer);
    return answered;
  }
}
