import fs from 'node:fs';
import path from 'node:path';
import type { LibraryRecording, LibraryScenario } from '../../shared/ipc.ts';
import { scenarioSchema } from '../../shared/scenario.ts';
import { InputError } from '../../shared/validate.ts';

/**
 * The call library the UI offers: scenarios (recordings/scenarios/*.json) and recorded calls
 * (recordings/audio/*.wav). Effects: reads the directory.
 */
export function listLibrary(recordingsDir: string): { scenarios: LibraryScenario[]; recordings: LibraryRecording[] } {
  const files = (sub: string, ext: string) => {
    try {
      return fs
        .readdirSync(path.join(recordingsDir, sub))
        .filter((f) => f.endsWith(ext))
        .sort();
    } catch {
      return [];
    }
  };
  const scenarios: LibraryScenario[] = [];
  for (const f of files('scenarios', '.json')) {
    const file = `scenarios/${f}`;
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(path.join(recordingsDir, file), 'utf8'));
    } catch {
      continue;
    }
    const r = scenarioSchema.safeParse(raw);
    if (!r.success) continue;
    scenarios.push({ file, name: r.data.name, description: r.data.description ?? null, faults: r.data.faults ?? [], policy: r.data.policy ?? {}, turns: r.data.caller.turns.length });
  }
  const recordings = files('audio', '.wav').map((f) => ({ file: `audio/${f}`, name: f.replace(/\.wav$/, ''), bytes: fs.statSync(path.join(recordingsDir, 'audio', f)).size }));
  return { scenarios, recordings };
}

/**
 * The absolute path of a library file named by the UI, refusing anything outside the
 * library's scenarios/ and audio/ folders (`../`, absolute paths, other extensions). Pure.
 */
export function libraryPath(recordingsDir: string, file: string): string {
  const norm = path.posix.normalize(file.replaceAll('\\', '/'));
  if (!/^(scenarios\/[^/]+\.json|audio\/[^/]+\.wav)$/.test(norm)) {
    throw new InputError(file, '', 'not a file of the library (scenarios/*.json or audio/*.wav under recordings/)');
  }
  return path.join(recordingsDir, norm);
}
