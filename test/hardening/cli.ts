import { main } from '../../electron/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `callsim …` in this process through the CLI's own entry, capturing what it prints. */
export async function callsim(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** The one-line refusal every bad input gets (exit 2): the file named first, no stack trace. */
export function isRefusalOf(r: CliRun, file: string): boolean {
  return r.code === 2 && r.stderr.startsWith(`callsim: ${file}`) && r.stderr.endsWith('\n') && r.stderr.split('\n').length === 2 && !/\n\s+at /.test(r.stderr);
}
