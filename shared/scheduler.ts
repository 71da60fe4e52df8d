/**
 * A discrete-event scheduler on a virtual clock: the only notion of time the engine has.
 * Jobs run in (time, insertion order) order, so two runs with the same inputs run the same
 * jobs in the same order. It never reads the wall clock; a realtime driver paces `runUntil`
 * against the wall clock from outside.
 */
export class Scheduler {
  private heap: { atMs: number; seq: number; id: number; run: () => void }[] = [];
  private cancelled = new Set<number>();
  private nextSeq = 0;
  private nextId = 1;
  private current = 0;

  /** Virtual time in ms since the call started. */
  get now(): number {
    return this.current;
  }

  /** Schedules `run` at virtual time `atMs` (never earlier than now). Returns a cancel id. */
  at(atMs: number, run: () => void): number {
    const id = this.nextId++;
    this.push({ atMs: Math.max(atMs, this.current), seq: this.nextSeq++, id, run });
    return id;
  }

  /** Schedules `run` after `delayMs` of virtual time. */
  after(delayMs: number, run: () => void): number {
    return this.at(this.current + Math.max(0, delayMs), run);
  }

  cancel(id: number): void {
    this.cancelled.add(id);
  }

  /** Time of the next job that has not been cancelled, or null. */
  nextTime(): number | null {
    while (this.heap.length && this.cancelled.has(this.heap[0].id)) this.pop();
    return this.heap.length ? this.heap[0].atMs : null;
  }

  /** Runs every job due at or before `limitMs`, advancing `now` job by job. Returns jobs run. */
  runUntil(limitMs: number, shouldStop: () => boolean = () => false): number {
    let ran = 0;
    for (;;) {
      if (shouldStop()) return ran;
      const t = this.nextTime();
      if (t === null || t > limitMs) break;
      const job = this.pop()!;
      this.current = job.atMs;
      job.run();
      ran++;
    }
    if (limitMs !== Infinity && limitMs > this.current) this.current = limitMs;
    return ran;
  }

  /** Moves `now` forward without running anything (used by the realtime driver between jobs). */
  advanceTo(ms: number): void {
    if (ms > this.current) this.current = ms;
  }

  private push(job: { atMs: number; seq: number; id: number; run: () => void }): void {
    const h = this.heap;
    h.push(job);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop() {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    this.cancelled.delete(top.id);
    return top;
  }
}

function before(a: { atMs: number; seq: number }, b: { atMs: number; seq: number }): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** The clock interface XState's actors take (`createActor(machine, { clock })`). */
export interface MachineClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number;
  clearTimeout(id: unknown): void;
}

/**
 * A clock for the call machine whose timers run on the scheduler. Each firing is reported to
 * `onFire(timerId)` (which journals it) before the machine sees it. Timer ids count from 1 in
 * the order the machine set them, so a replay can fire the same timer by id.
 */
export function schedulerClock(scheduler: Scheduler, onFire: (timerId: number) => void): MachineClock {
  let nextTimerId = 1;
  const jobs = new Map<number, number>();
  return {
    setTimeout(fn, timeout) {
      const timerId = nextTimerId++;
      jobs.set(
        timerId,
        scheduler.after(timeout, () => {
          jobs.delete(timerId);
          onFire(timerId);
          fn();
        }),
      );
      return timerId;
    },
    clearTimeout(id) {
      const job = jobs.get(id as number);
      if (job !== undefined) {
        scheduler.cancel(job);
        jobs.delete(id as number);
      }
    },
  };
}
