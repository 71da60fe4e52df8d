import { InputError } from '../../shared/validate.ts';
import type { IpcError } from '../../shared/ipc.ts';
import { brokenInstallMessage } from '../install.ts';

/** A feature this machine cannot serve (recorded calls without the speech models, a microphone without a sound card). */
export class UnavailableError extends Error {}

/**
 * The bridge's form of an error: user-caused ones keep their message; a broken install is
 * `unavailable` with the CLI's line (what is broken, and `npm run setup`); others are internal. Pure.
 */
export function toIpcError(err: unknown): IpcError {
  if (err instanceof InputError) return { code: /no such session/.test(err.message) ? 'not_found' : 'bad_input', message: err.message };
  if (err instanceof UnavailableError) return { code: 'unavailable', message: err.message };
  const broken = brokenInstallMessage(err);
  if (broken) return { code: 'unavailable', message: broken };
  return { code: 'internal', message: `internal error: ${(err as Error)?.message ?? String(err)}` };
}
