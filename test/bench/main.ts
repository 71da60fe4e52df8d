// `npm run bench [-- --only name]`: the performance targets, measured side by side in one table.
// A tool for the project, run from the sources through tsx; not part of the `callsim` command.
import { parseArgs } from 'node:util';
import { InputError } from '../../shared/validate.ts';
import { runBench } from './bench.ts';

try {
  let only: string | undefined;
  try {
    ({ only } = parseArgs({ args: process.argv.slice(2), options: { only: { type: 'string' } }, strict: true }).values);
  } catch (err) {
    throw new InputError('npm run bench', 'arguments', (err as Error).message.split('\n')[0]);
  }
  await runBench(
    (s) => process.stdout.write(s),
    [
      { name: 'audio pipeline', load: async () => (await import('./audio.ts')).audioBench },
      { name: 'live barge-in', load: async () => (await import('./liveBargeIn.ts')).liveBargeInBench },
      { name: 'UI in Chromium', load: async () => (await import('./uiRows.ts')).uiBench },
    ],
    { only, progress: (s) => process.stderr.write(s) },
  );
} catch (err) {
  if (!(err instanceof InputError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 2;
}
