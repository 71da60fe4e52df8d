import type { InspectionEvent } from 'xstate';
import type { StatelyInspectionEvent } from '../../shared/ipc.ts';

/**
 * The @statelyai/inspect release whose event shape these follow (its `_version`): 0.7.2, checked
 * against its published dist (the same base fields and per-type fields as below).
 */
export const statelyProtocolVersion = '0.7.2';

/** The serializable part of an XState snapshot (no machine, no methods). Pure. */
export function plainSnapshot(s: unknown): { status: string; value?: unknown; context?: unknown; output?: unknown; error?: unknown } {
  const snap = s as { status?: string; value?: unknown; context?: unknown; output?: unknown; error?: unknown };
  const out: { status: string; value?: unknown; context?: unknown; output?: unknown; error?: unknown } = { status: snap.status ?? 'active' };
  if (snap.value !== undefined) out.value = snap.value;
  if (snap.context !== undefined) out.context = snap.context;
  if (snap.output !== undefined) out.output = snap.output;
  if (snap.error !== undefined) out.error = String(snap.error);
  return out;
}

/** A machine definition as Stately Inspector reads it: JSON, functions named by their name. */
function definitionJson(logic: unknown): string | undefined {
  const config = (logic as { config?: unknown } | undefined)?.config;
  if (!config || typeof config !== 'object') return undefined;
  return JSON.stringify(config, (_key, value) => (typeof value === 'function' ? { type: value.name || 'anonymous' } : value));
}

/**
 * Converts XState v5 inspection events into the @statelyai/inspect event shape
 * (`@xstate.actor`, `@xstate.event`, `@xstate.snapshot`), the shape Stately Inspector takes.
 * Microsteps and actions have no Stately counterpart and give null. `now` is the wall clock
 * (ms since the epoch) the event is stamped with. Pure apart from reading the actor.
 */
export function toStatelyEvent(e: InspectionEvent, id: string, now: number): StatelyInspectionEvent | null {
  const base = { sessionId: e.actorRef.sessionId, rootId: e.rootId, id, createdAt: String(Math.round(now)), _version: statelyProtocolVersion };
  switch (e.type) {
    case '@xstate.actor': {
      const logic = (e.actorRef as unknown as { logic?: { config?: { id?: string } } }).logic;
      return {
        ...base,
        type: '@xstate.actor',
        name: logic?.config?.id ?? (e.actorRef as unknown as { id: string }).id,
        definition: definitionJson(logic),
        parentId: (e.actorRef as unknown as { _parent?: { sessionId: string } })._parent?.sessionId,
        snapshot: plainSnapshot(e.actorRef.getSnapshot()),
      };
    }
    case '@xstate.event':
      return { ...base, type: '@xstate.event', event: e.event as StatelyInspectionEvent['event'], sourceId: e.sourceRef?.sessionId };
    case '@xstate.snapshot':
      return { ...base, type: '@xstate.snapshot', event: e.event as StatelyInspectionEvent['event'], snapshot: plainSnapshot(e.snapshot) };
    default:
      return null;
  }
}

/** The id of the actor that stands for everything outside a call's machine (caller, tools, clock). */
export const worldActorId = (callId: string) => `${callId}/world`;

/**
 * The `@xstate.actor` event of a call's world: the source of every event the machine receives
 * from outside, so that an inspector's sequence diagram shows who sent what. Pure.
 */
export function worldActorEvent(callId: string, id: string, now: number): StatelyInspectionEvent {
  const sessionId = worldActorId(callId);
  return {
    type: '@xstate.actor',
    sessionId,
    rootId: sessionId,
    id,
    createdAt: String(Math.round(now)),
    _version: statelyProtocolVersion,
    name: 'world',
    definition: JSON.stringify({ id: 'world' }),
    parentId: undefined,
    snapshot: { status: 'active' },
  };
}

/**
 * An inspection event with its actor ids qualified by the call they belong to: XState's own
 * (`x:7`) say nothing of the call and start again in every process (or every copy of xstate
 * loaded), so an inspector following several calls, or several runs, could mix them up:
 * `<callId>/x:7`. An event from outside the machine gets the call's world as its source. Pure.
 */
export function qualifyEvent(callId: string, ev: StatelyInspectionEvent): StatelyInspectionEvent {
  const q = (id: string | undefined) => (id === undefined ? undefined : `${callId}/${id}`);
  const out: StatelyInspectionEvent = { ...ev, sessionId: `${callId}/${ev.sessionId}`, rootId: q(ev.rootId) };
  if (ev.type === '@xstate.actor') out.parentId = q(ev.parentId);
  if (ev.type === '@xstate.event') out.sourceId = q(ev.sourceId) ?? worldActorId(callId);
  return out;
}
