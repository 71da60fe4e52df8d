/**
 * Which caller turn a recognition answer belongs to, for the folds that read a journal into
 * turns. Recognition is asked once at the end of each stretch of speech and answers in that
 * order, with a result or a failure, so the n-th answer belongs to the n-th stretch that ended,
 * however late it comes (even after the caller started speaking again). When the machine gives
 * up waiting (`asr.abandon`), no stretch still waiting is answered any more. The journal holds
 * no other link between an answer and its speech: an answer lost without the machine giving up
 * (on speech over the agent's, which nothing waits for), or one that comes after it gave up
 * while a later turn waits for its own, moves the answers after it one turn early.
 */
export class RecognitionQueue<T> {
  private readonly waiting: T[] = [];

  /** A stretch of speech ended: recognition was asked for it. */
  ended(turn: T): void {
    this.waiting.push(turn);
  }

  /** An `asr.result` or `asr.failed` came: the turn it answers, if one is waiting. */
  answered(): T | undefined {
    return this.waiting.shift();
  }

  /** `asr.abandon`: the machine stopped waiting for every answer still owed. */
  abandoned(): void {
    this.waiting.length = 0;
  }
}
