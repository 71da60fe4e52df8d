// Writing to the process's own stdout and stderr when the reader may go away first:
// `callsim sessions list | head -1` closes the pipe after one line, and the next write fails
// with EPIPE (Node ignores SIGPIPE, so the error comes as an 'error' event, which unhandled ends
// the process with a stack trace).
//
// A stream whose reader has gone is written no more, quietly, and the command goes on to its
// end: a call still finishes and is saved, the store is closed as usual, and the exit code is
// the command's own (SPEC §1: 0 done, whatever happened to its output). Not 141 (128 + SIGPIPE,
// what `seq` gets killed with): the reader leaving early is what `| head` means, not a failure,
// and under `set -o pipefail` a 141 would fail the user's pipeline for it.

const gone = new WeakSet<NodeJS.WriteStream>();
const watched = new WeakSet<NodeJS.WriteStream>();

function watch(stream: NodeJS.WriteStream): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      gone.add(stream);
      return;
    }
    // anything else is what it was before this listener: an uncaught error
    throw err;
  });
}

/**
 * A writer for `stream` (process.stdout or process.stderr) that drops what it is given once the
 * stream's reader has gone. The stream's 'error' listener is added on the first write, so a
 * module that only imports this changes nothing. Effects: writes to the stream.
 */
export function quietPipeWriter(stream: NodeJS.WriteStream): (s: string) => void {
  return (s) => {
    watch(stream);
    if (gone.has(stream) || stream.destroyed) return;
    stream.write(s);
  };
}
