// One timed red-team run for `npm run bench`, in its own process so the bench can pin it to
// one core (`taskset -c 0`) for the one-core side: V8's compiler and GC threads would
// otherwise give "one worker" the second core too. Prints the wall time in ms.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runSuite } from '../../electron/engine/redteam.ts';
import { scenarioFiles } from '../../electron/input/files.ts';

// jobs 0: the pool chooses its size, as `callsim redteam` without --jobs does; the suite is
// `calls` long, the scenario library over and over (a suite's size, not the library's, is what
// the rows compare)
const [jobs, calls] = process.argv.slice(2).map(Number);
const lib = scenarioFiles([path.resolve(import.meta.dirname, '../../recordings/scenarios')]);
const files = Array.from({ length: calls }, (_, i) => lib[i % lib.length]!);
const t0 = performance.now();
await runSuite(files, { jobs: jobs || undefined });
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, calls: files.length })}\n`);
