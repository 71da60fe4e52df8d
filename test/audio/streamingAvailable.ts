import fs from 'node:fs';
import { createRequire } from 'node:module';
import { DEFAULT_LIBRARIES } from '../../electron/audio/streamingAsr.ts';

/** Why the real streaming decoder (libpocketsphinx through koffi) cannot run here, or null when it can: what its tests skip on. */
export function streamingUnavailable(): string | null {
  for (const lib of Object.values(DEFAULT_LIBRARIES)) if (!fs.existsSync(lib)) return `${lib} is not installed`;
  try {
    createRequire(import.meta.url).resolve('koffi');
  } catch {
    return 'the koffi package is not installed';
  }
  return null;
}
