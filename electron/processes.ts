/**
 * True while process `pid` exists on this machine (EPERM: it does, another user's). Used to tell
 * a session or a recognizer folder whose process died from one still in use. Effects: none (signal 0).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
