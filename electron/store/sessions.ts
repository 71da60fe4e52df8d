import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { assertNever } from '../../shared/assertNever.ts';
import type { AgentInput, AgentResponse, CallCommand, JournalEntry, JournalInput, SessionSource } from '../../shared/events.ts';
import { maskDeep, maskPii } from '../../shared/pii.ts';
import { buildRunResult, type RunResult } from '../../shared/result.ts';
import { InputError, parseJsonWith } from '../../shared/validate.ts';
import { journalEntrySchema } from '../../shared/journalSchema.ts';
import { replayJournal } from '../../shared/replay.ts';
import type { JournalSink } from '../engine/runner.ts';
import { BUSY_TIMEOUT_MS, LOCKED, openDatabase } from './db.ts';
import { processAlive } from '../processes.ts';

export type SessionStatus = 'running' | 'complete' | 'interrupted';

/** One row of `sessions list --json` (SPEC §1), plus what the browser filters on. */
export interface SessionSummary {
  sessionId: string;
  createdAt: string;
  source: string;
  status: SessionStatus;
  outcome: string | null;
  events: number;
  handoffReason: string | null;
  parentId: string | null;
  relation: string | null;
}

/** A short text for where a session's caller came from. Pure. */
export function describeSource(s: SessionSource): string {
  switch (s.kind) {
    case 'scenario':
      return `scenario:${s.name}`;
    case 'recording':
      return `recording:${s.file}`;
    case 'mic':
      return 'mic';
    case 'fork':
    case 'whatif':
      return `${s.kind}:${s.parentId}`;
    default:
      return assertNever(s);
  }
}

const exportSchema = z
  .object({
    callsimExport: z.literal(1),
    session: z
      .object({
        sessionId: z.string().regex(/^[\w.-]{1,128}$/),
        createdAt: z.string(),
        source: z.string(),
        status: z.enum(['running', 'complete', 'interrupted']),
        outcome: z.string().nullable(),
        parentId: z.string().nullable().optional(),
        relation: z.string().nullable().optional(),
        strict: z.boolean().optional(),
      })
      .strict(),
    // the journal's own schema, strict at every level: a stored session is one every command reads
    journal: z.array(journalEntrySchema).max(5_000_000),
  })
  .strict();
export type SessionExport = z.infer<typeof exportSchema>;

/**
 * The session store: sessions and their append-only journals in SQLite (better-sqlite3,
 * WAL). Journal rows are batched into transactions; `flush()` commits what is buffered.
 */
export class SessionStore {
  readonly db: Database.Database;

  constructor(readonly file: string) {
    this.db = openDatabase(file);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Creates a session row (status running, held by this process) and returns its id.
   * Ids are derived from the call's inputs, so the same call in a fresh store gets the same
   * id; a repeat in the same store gets a numbered suffix.
   */
  createSession(o: { source: SessionSource; seedMaterial: unknown; strict: boolean; parentId?: string; relation?: 'whatif' | 'fork'; forkAtMs?: number; createdAt?: string }): string {
    const slug =
      describeSource(o.source)
        .replace(/^[a-z]+:/, '')
        .replace(/[^A-Za-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40)
        .toLowerCase() || 'call';
    const hash = createHash('sha256').update(JSON.stringify(o.seedMaterial)).digest('hex').slice(0, 8);
    const base = `${slug}-${hash}`;
    const insert = this.db.prepare(`INSERT INTO sessions (id, created_at, source, status, pid, parent_id, relation, fork_at_ms, strict) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`);
    return this.db
      .transaction(() => {
        let id = base;
        for (let n = 2; this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id); n++) id = `${base}-${n}`;
        insert.run(id, o.createdAt ?? new Date().toISOString(), describeSource(o.source), process.pid, o.parentId ?? null, o.relation ?? null, o.forkAtMs ?? null, o.strict ? 1 : 0);
        return id;
        // immediate: the write lock (waiting out the busy timeout) before the id is chosen, so two
        // writers of one store never pick the same id nor fail to upgrade a read lock
      })
      .immediate();
  }

  /**
   * A sink that appends a session's journal, committing every `batch` rows and on flush().
   * A flush that does not wait and finds the store's write lock held by another process (an
   * open transaction in a sqlite3 shell, another tool) keeps its rows and stops committing at
   * `batch` until a flush gets through: a realtime call never stalls on the busy timeout, and
   * nothing is lost if the lock is let go before the call ends. A waiting flush that still finds
   * it held after the busy timeout names the store and how many rows are not saved.
   */
  journalWriter(sessionId: string, batch = 512): JournalSink {
    const insert = this.db.prepare('INSERT INTO journal (session_id, seq, at_ms, kind, type, payload) VALUES (?, ?, ?, ?, ?, ?)');
    const bump = this.db.prepare('UPDATE sessions SET events = events + ? WHERE id = ?');
    let buffer: JournalEntry[] = [];
    let held = false;
    const commit = this.db.transaction((rows: JournalEntry[]) => {
      for (const e of rows) insert.run(sessionId, e.seq, e.atMs, e.kind, entryType(e), JSON.stringify(entryPayload(e)));
      bump.run(rows.length, sessionId);
    });
    const flush = ({ wait = true }: { wait?: boolean } = {}) => {
      if (!buffer.length) return;
      if (!wait) this.db.pragma('busy_timeout = 0');
      try {
        commit(buffer);
        buffer = [];
        held = false;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
        if (!wait) held = true;
        else throw new InputError(this.file, '', `${LOCKED}: ${buffer.length} journal entries of session ${sessionId} are not saved`);
      } finally {
        if (!wait) this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
    };
    return {
      append(entry) {
        buffer.push(entry);
        if (buffer.length >= batch && !held) flush();
      },
      flush,
    };
  }

  /** Marks a session complete with its result. */
  complete(sessionId: string, result: RunResult): void {
    this.db
      .prepare(`UPDATE sessions SET status = 'complete', outcome = ?, handoff_reason = ?, result_json = ?, pid = NULL WHERE id = ?`)
      .run(result.outcome, result.handoff?.reason ?? null, JSON.stringify(result), sessionId);
  }

  /** Removes a session that must leave no trace (bad input found after it was created). */
  discard(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId);
  }

  /** Sessions, newest first. A running session whose process is gone shows as interrupted. */
  list(): SessionSummary[] {
    const rows = this.db.prepare('SELECT * FROM sessions ORDER BY created_at DESC, rowid DESC').all() as Row[];
    return rows.map((r) => this.summarize(r));
  }

  get(sessionId: string): SessionSummary | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as Row | undefined;
    return row ? this.summarize(row) : null;
  }

  /** Finds a session by id or unique id prefix; throws an InputError naming what is wrong. */
  resolve(idOrPrefix: string): SessionSummary {
    const exact = this.get(idOrPrefix);
    if (exact) return exact;
    const rows = this.db.prepare(`SELECT * FROM sessions WHERE id LIKE ? ESCAPE '\\' LIMIT 3`).all(`${idOrPrefix.replace(/[\\%_]/g, '\\$&')}%`) as Row[];
    if (rows.length === 1) return this.summarize(rows[0]);
    throw new InputError(this.file, `session "${idOrPrefix}"`, rows.length ? `ambiguous: matches ${rows.map((r) => r.id).join(', ')}…` : 'no such session');
  }

  /** The whole journal of a session, in order. */
  journal(sessionId: string): JournalEntry[] {
    const rows = this.db.prepare('SELECT seq, at_ms, kind, payload FROM journal WHERE session_id = ? ORDER BY seq').all(sessionId) as { seq: number; at_ms: number; kind: string; payload: string }[];
    return rows.map((r) => entryFromRow(r.seq, r.at_ms, r.kind, JSON.parse(r.payload)));
  }

  /** The SPEC §1 result of a session: stored when complete, folded from the journal otherwise. */
  result(sessionId: string): RunResult {
    const row = this.db.prepare('SELECT result_json FROM sessions WHERE id = ?').get(sessionId) as { result_json: string | null } | undefined;
    if (row?.result_json) return JSON.parse(row.result_json) as RunResult;
    return buildRunResult(sessionId, this.journal(sessionId));
  }

  parentOf(sessionId: string): { parentId: string | null; relation: string | null; forkAtMs: number | null } {
    const r = this.db.prepare('SELECT parent_id, relation, fork_at_ms FROM sessions WHERE id = ?').get(sessionId) as { parent_id: string | null; relation: string | null; fork_at_ms: number | null };
    return { parentId: r.parent_id, relation: r.relation, forkAtMs: r.fork_at_ms };
  }

  delete(sessionId: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId).changes > 0;
  }

  /**
   * A session and its journal as one JSON document, with PII masked in every text that can
   * carry the caller's words (SPEC §5). Ids, tool names, event types, states, numbers and audio
   * are kept exactly, so that the document imports back and replays.
   */
  export(sessionId: string): SessionExport {
    const s = this.resolve(sessionId);
    const strict = (this.db.prepare('SELECT strict FROM sessions WHERE id = ?').get(s.sessionId) as { strict: number }).strict === 1;
    return {
      callsimExport: 1 as const,
      session: { sessionId: s.sessionId, createdAt: s.createdAt, source: s.source, status: s.status, outcome: s.outcome, parentId: s.parentId, relation: s.relation, strict },
      journal: this.journal(s.sessionId).map(maskEntryForExport) as unknown as SessionExport['journal'],
    };
  }

  /** Imports an exported session. All or nothing; an existing id or a bad file is an InputError. */
  import(file: string, text: string): string {
    const { session, journal } = parseJsonWith(text, file, exportSchema);
    const entries: JournalEntry[] = journal;
    journalProblem(file, entries, session.status);
    if (this.get(session.sessionId)) throw new InputError(file, '$.session.sessionId', `session ${session.sessionId} already exists in ${this.file}`);
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO sessions (id, created_at, source, status, outcome, events, parent_id, relation, strict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
          session.sessionId,
          session.createdAt,
          session.source,
          session.status === 'running' ? 'interrupted' : session.status,
          session.outcome,
          entries.length,
          session.parentId ?? null,
          session.relation ?? null,
          session.strict ? 1 : 0,
        );
      const insert = this.db.prepare('INSERT INTO journal (session_id, seq, at_ms, kind, type, payload) VALUES (?, ?, ?, ?, ?, ?)');
      for (const e of entries) insert.run(session.sessionId, e.seq, e.atMs, e.kind, entryType(e), JSON.stringify(entryPayload(e)));
      if (session.status === 'complete') {
        const result = buildRunResult(session.sessionId, entries);
        this.db.prepare('UPDATE sessions SET result_json = ?, handoff_reason = ? WHERE id = ?').run(JSON.stringify(result), result.handoff?.reason ?? null, session.sessionId);
      }
    })();
    return session.sessionId;
  }

  private summarize(r: Row): SessionSummary {
    const status: SessionStatus = r.status === 'running' && (r.pid === null || !processAlive(r.pid)) ? 'interrupted' : (r.status as SessionStatus);
    return {
      sessionId: r.id,
      createdAt: r.created_at,
      source: r.source,
      status,
      outcome: r.outcome,
      events: r.events,
      handoffReason: r.handoff_reason,
      parentId: r.parent_id,
      relation: r.relation,
    };
  }
}

interface Row {
  id: string;
  created_at: string;
  source: string;
  status: string;
  outcome: string | null;
  pid: number | null;
  events: number;
  handoff_reason: string | null;
  parent_id: string | null;
  relation: string | null;
}

/**
 * Refuses a journal that no command could read back, with the JSON path of its first problem:
 * entries out of order (every seq once, 0, 1, 2, … in time order), no session.started first,
 * or one the machine does not replay to the transitions it records. A session that did not
 * complete was cut where its process died: the replay may go on past its last recorded
 * transition, as `callsim replay` of it does. Validation of each entry's shape is the schema's. Pure.
 */
function journalProblem(file: string, entries: readonly JournalEntry[], status: string): void {
  const at = (i: number, key?: string) => `$.journal[${i}]${key ? `.${key}` : ''}`;
  if (entries.length === 0) throw new InputError(file, '$.journal', 'is empty: nothing to import');
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].seq !== i) throw new InputError(file, at(i, 'seq'), `is ${entries[i].seq}, expected ${i} (every seq once, in order)`);
    if (i > 0 && entries[i].atMs < entries[i - 1].atMs) throw new InputError(file, at(i, 'atMs'), `is ${entries[i].atMs}, before the entry above it (${entries[i - 1].atMs})`);
  }
  const first = entries[0];
  if (first.kind !== 'input' || first.event.type !== 'session.started') throw new InputError(file, at(0), 'is not the session.started event a journal begins with');
  const starts = entries.findIndex((e, i) => i > 0 && e.kind === 'input' && e.event.type === 'session.started');
  if (starts > 0) throw new InputError(file, at(starts), 'is a second session.started event');
  let replay: ReturnType<typeof replayJournal>;
  try {
    replay = replayJournal(entries);
  } catch (err) {
    throw new InputError(file, '$.journal', `does not replay: ${(err as Error).message}`);
  }
  const cut = status !== 'complete' && replay.divergence?.expected === 'no transition';
  if (!replay.identical && !cut) {
    const d = replay.divergence!;
    const t = entries.filter((e) => e.kind === 'transition')[d.index];
    throw new InputError(file, t ? at(t.seq) : '$.journal', `does not replay: transition ${d.index} at ${d.atMs} ms, recorded ${d.expected}, replayed ${d.actual}`);
  }
}

function entryType(e: JournalEntry): string {
  return e.kind === 'input' ? e.event.type : e.kind === 'command' ? e.command.type : 'transition';
}

function entryPayload(e: JournalEntry): unknown {
  return e.kind === 'input' ? e.event : e.kind === 'command' ? e.command : { state: e.state, cause: e.cause };
}

/** A journal entry from its row. The payload is what entryPayload wrote, so it is taken as that. Pure. */
function entryFromRow(seq: number, atMs: number, kind: string, payload: unknown): JournalEntry {
  if (kind === 'input') return { seq, atMs, kind, event: payload as JournalInput };
  if (kind === 'command') return { seq, atMs, kind, command: payload as CallCommand };
  const { state, cause } = payload as { state: string; cause: string };
  return { seq, atMs, kind: 'transition', state, cause };
}

/**
 * A journal entry with PII masked where words are free text: what the caller said (recognition,
 * backchannels, a scenario's `say` lines), what the agent said or was asked about them, tool
 * arguments and answers, and error messages. Everything else is an identifier or structure
 * (session ids, tool names, event types, state paths, timer ids, audio samples) and a mask would
 * corrupt it: a session id ending in digits, or audio base64 with a digit run in it, reads as
 * an account number. Pure.
 */
function maskEntryForExport(e: JournalEntry): JournalEntry {
  switch (e.kind) {
    case 'input':
      return { ...e, event: maskInput(e.event) };
    case 'command':
      return { ...e, command: maskCommand(e.command) };
    case 'transition':
      return e;
    default:
      return assertNever(e);
  }
}

function maskInput(ev: JournalInput): JournalInput {
  switch (ev.type) {
    case 'session.started':
      return { ...ev, source: maskSource(ev.source) };
    case 'asr.result':
    case 'caller.backchannel':
    case 'caller.partial':
      return { ...ev, text: maskPii(ev.text) };
    case 'asr.failed':
    case 'agent.failed':
      return { ...ev, error: maskPii(ev.error) };
    case 'agent.response':
      return { ...ev, response: maskResponse(ev.response) };
    case 'tool.result':
      return ev.data === undefined ? ev : { ...ev, data: maskDeep(ev.data) };
    case 'summarizer.result':
      return { ...ev, ...(ev.content === undefined ? {} : { content: maskPii(ev.content) }), ...(ev.error === undefined ? {} : { error: maskPii(ev.error) }) };
    case 'caller.model.result':
      return {
        ...ev,
        ...(ev.line === undefined ? {} : { line: maskPii(ev.line) }),
        ...(ev.content === undefined ? {} : { content: maskPii(ev.content) }),
        ...(ev.error === undefined ? {} : { error: maskPii(ev.error) }),
      };
    case 'caller.speech.started':
    case 'caller.speech.ended':
    case 'caller.speech.turn':
    case 'caller.hungup':
    case 'agent.speech.ended':
    case 'control.policy.set':
    case 'timer.fired':
    case 'control.fault.set':
    case 'control.fault.cleared':
    case 'control.stop':
    case 'caller.audio':
    case 'vad.probability':
      return ev;
    default:
      return assertNever(ev);
  }
}

function maskResponse(r: AgentResponse): AgentResponse {
  switch (r.kind) {
    case 'say':
    case 'end':
      return { ...r, text: maskPii(r.text) };
    case 'handoff':
      return r.text === undefined ? r : { ...r, text: maskPii(r.text) };
    case 'tool':
      return { ...r, args: maskDeep(r.args) };
    default:
      return assertNever(r);
  }
}

function maskAgentInput(input: AgentInput): AgentInput {
  switch (input.kind) {
    case 'caller':
      return { ...input, text: maskPii(input.text) };
    case 'tool':
      return input.data === undefined ? input : { ...input, data: maskDeep(input.data) };
    case 'retry':
      return input;
    default:
      return assertNever(input);
  }
}

function maskCommand(c: CallCommand): CallCommand {
  switch (c.type) {
    case 'agent.speak':
      return { ...c, text: maskPii(c.text) };
    case 'agent.think':
      return { ...c, input: maskAgentInput(c.input) };
    case 'tool.call':
      return { ...c, args: maskDeep(c.args) };
    case 'filler.play':
    case 'agent.speech.stop':
    case 'agent.speech.pause':
    case 'agent.speech.resume':
    case 'agent.cancel':
    case 'agent.kill':
    case 'tool.abandon':
    case 'asr.abandon':
    case 'handoff.start':
    case 'call.end':
      return c;
    default:
      return assertNever(c);
  }
}

/** The scenario a session recorded, with its caller's `say` lines masked; names and paths kept. */
function maskSource(source: SessionSource): SessionSource {
  switch (source.kind) {
    case 'scenario':
      return { ...source, scenario: maskScenarioLines(source.scenario) };
    case 'fork':
    case 'whatif':
      return source.scenario === undefined ? source : { ...source, scenario: maskScenarioLines(source.scenario) };
    case 'recording':
    case 'mic':
      return source;
    default:
      return assertNever(source);
  }
}

function maskScenarioLines(scenario: unknown): unknown {
  const caller = (scenario as { caller?: { turns?: unknown } } | null)?.caller;
  if (!caller || !Array.isArray(caller.turns)) return scenario;
  const turns = caller.turns.map((t: unknown) => (t && typeof (t as { say?: unknown }).say === 'string' ? { ...(t as object), say: maskPii((t as { say: string }).say) } : t));
  return { ...(scenario as object), caller: { ...caller, turns } };
}
