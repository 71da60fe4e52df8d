import { parseArgs } from 'node:util';
import { InputError } from '../../shared/validate.ts';
import { defaultDbPath } from '../store/db.ts';
import { checkInspectUrl, startServer, type RunningServer } from './server.ts';
import { defaultRendererDir } from './static.ts';
import { buildRenderer, rendererIsStale } from './uiBuild.ts';

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

export const serveUsage = `callsim serve [--port N] [--db path] [--inspect ws://host:port]   the desktop UI in a browser, on 127.0.0.1 only; --inspect also sends every call's inspection events (@statelyai/inspect shape) to that WebSocket server`;

/** Parses `serve`'s flags; bad ones are InputErrors. Pure. */
export function parseServeArgs(args: string[]): { port: number; db: string | undefined; inspect: string | undefined; help: boolean } {
  let values: { port?: string; db?: string; inspect?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { port: { type: 'string' }, db: { type: 'string' }, inspect: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new InputError('callsim serve', 'arguments', (err as Error).message.split('\n')[0]);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (values.port !== undefined && !/^\d+$/.test(values.port)))
    throw new InputError('callsim serve', '--port', `"${values.port}" is not a port number (0–65535; 0 picks a free one)`);
  // checked here, before any UI build, so a mistyped URL is refused at once
  if (values.inspect !== undefined) checkInspectUrl(values.inspect);
  return { port, db: values.db, inspect: values.inspect, help: !!values.help };
}

/**
 * Starts the UI server, builds the UI first if dist/renderer is missing or older than its
 * sources, prints the URL (with its token) on stdout, and serves until SIGINT or SIGTERM.
 * Effects: builds, listens, runs calls. Returns the exit code.
 */
export async function serve(args: string[], out: Out, o: { onListening?: (s: RunningServer) => void; signal?: AbortSignal } = {}): Promise<number> {
  const { port, db, inspect, help } = parseServeArgs(args);
  if (help) return (out.stdout(`${serveUsage}\n`), 0);
  if (rendererIsStale(defaultRendererDir)) {
    out.stderr('callsim serve: building the UI into dist/renderer (npx vite build)…\n');
    await buildRenderer();
  }
  let server: RunningServer;
  try {
    server = await startServer({ port, dbPath: defaultDbPath(db), inspect: inspect ? { url: inspect, onError: (m) => out.stderr(`callsim serve: ${m}\n`) } : undefined });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError('callsim serve', '--port', `cannot listen on 127.0.0.1:${port} (${code === 'EADDRINUSE' ? 'in use' : 'not allowed'})`);
    throw err;
  }
  out.stdout(`${server.url}\n`);
  out.stderr(`callsim serve: sessions in ${defaultDbPath(db)}; listening on 127.0.0.1:${server.port} only${inspect ? `; inspection events to ${inspect}` : ''}; Ctrl-C stops\n`);
  o.onListening?.(server);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    o.signal?.addEventListener('abort', stop);
  });
  await server.close();
  return 0;
}
