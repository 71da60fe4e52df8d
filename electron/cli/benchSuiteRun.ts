// One timed red-team run for `npm run bench`, in its own process so the bench can pin it to
// one core (`taskset -c 0`) for the one-core side: V8's compiler and GC threads would
// otherwise give "one worker" the second core too. Prints the wall time in ms.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runSuite } from '../engine/redteam.ts';

// jobs 0: the pool chooses its size, as `callsim redteam` without --jobs does
const [jobs, repeat] = process.argv.slice(2).map(Number);
const dir = path.resolve(import.meta.dirname, '../../recordings/scenarios');
const lib = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
const files = Array.from({ length: repeat }, () => lib).flat();
const t0 = performance.now();
await runSuite(files, { jobs: jobs || undefined });
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, calls: files.length })}\n`);
