// The `callsim` command line: which command runs, its usage, and how errors end it (SPEC §1).
// The commands live in commands.ts (and serve in ../server), imported once a command is known:
// the engine, the store and the schemas are most of the CLI's start-up, and neither the usage
// nor a bad command needs them (a built `callsim --help` took ~250 ms on this machine with
// them loaded, ~150 ms without, Node's own start ~110 ms of it).
import { InputError } from '../../shared/validate.ts';
import { brokenInstallMessage } from '../install.ts';
import { storeFaultLine } from '../store/faults.ts';
import { quietPipeWriter } from '../output.ts';

/** Exit codes of SPEC §1. */
export const exitCode = { done: 0, expectFailed: 1, badInput: 2, internal: 3 } as const;

export const usage = `callsim — simulate and debug voice-call AI agents and their handoffs to humans

Usage:
  callsim run <scenario.json | call.wav> [--json] [--realtime]   run one call, save it, print a summary
  callsim mic [--input call.wav] [--mute]                       a live call from the microphone (or a WAV played as one)
  callsim replay <sessionId> [--json]                           re-execute a saved session from its journal; exit 1 if it diverges
  callsim whatif <sessionId> --policy p.json [--json]           same caller input and faults under another policy: what changed
  callsim fork <sessionId> --at <ms> [--faults f.json] [--policy p.json]   identical up to --at, then new faults/policy
  callsim redteam [dir | files…] [--junit out.xml] [--shard i/n] [--coverage] [--jobs n] [--save] [--repeat N]
  callsim serve [--port N] [--db path] [--inspect ws://…]       the desktop UI in a browser, on 127.0.0.1 only
  callsim sessions list | show <id> | export <id> [-o file] | import <file> | delete <id> | to-scenario <id> [-o file]

Common flags:
  --db <path>        session database (default: $CALLSIM_DB, else the desktop app's)
  --policy <file>    policy overrides (SPEC §3)
  --faults <file>    fault plan (SPEC §4), replacing the scenario's
  --seed <n>         seed for every random draw
  --strict           mask PII in the stored transcript of this session
  --json             machine-readable output on stdout
  --agent <file>     run, mic: your own agent, {"model": {…}, "tools": {…}, "allowEnv"?: [names]} (SPEC §2)
  --allow-env NAME   run, mic, redteam: a variable a scenario's model key or \${NAME} headers may send (repeatable, A,B)
  --repeat N         redteam: run each scenario N times, with seeds seed, seed+1, … (a persona caller plays out differently)

Exit codes: 0 done, 1 an expect failed or a replay diverged, 2 bad input, 3 internal error.`;

export type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
const realOut: Out = { stdout: quietPipeWriter(process.stdout), stderr: quietPipeWriter(process.stderr) };

const commands = () => import('./commands.ts');

/**
 * The one stderr line of a bad input (SPEC §1: the file, the place in it, what is wrong), after
 * the program's name. An error about the command line itself names the program as its file
 * (`callsim`, `callsim serve`, …): that name is the line's start, not prefixed a second time
 * (`callsim: callsim: --seed: …` was the line of every one of them). Pure.
 */
export function inputErrorLine(err: InputError): string {
  return /^callsim(?: [a-z-]+)*$/.test(err.file) ? err.message : `callsim: ${err.message}`;
}

/** Runs the callsim command line. Returns the exit code (SPEC §1). */
export async function main(argv: string[], out: Out = realOut): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await (await commands()).cmdRun(rest, out);
      case 'sessions':
        return await (await commands()).cmdSessions(rest, out);
      case 'replay':
        return (await commands()).cmdReplay(rest, out);
      case 'whatif':
        return await (await commands()).cmdWhatIf(rest, out);
      case 'fork':
        return await (await commands()).cmdFork(rest, out);
      case 'redteam':
        return await (await commands()).cmdRedteam(rest, out);
      case 'serve':
        return await (await import('../server/serve.ts')).serve(rest, out);
      case 'mic':
        return await (await commands()).cmdMic(rest, out);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out.stdout(`${usage}\n`);
        return command === undefined ? exitCode.badInput : exitCode.done;
      default:
        throw new InputError('callsim', '', `unknown command "${command}" (try callsim --help)`);
    }
  } catch (err) {
    if (err instanceof InputError) {
      out.stderr(`${inputErrorLine(err)}\n`);
      return exitCode.badInput;
    }
    // the user's store refused (read-only, full, damaged, locked): theirs to fix, like bad input
    const store = storeFaultLine(err);
    if (store) {
      out.stderr(`callsim: ${store}\n`);
      return exitCode.badInput;
    }
    // not the user's input, and not a bug either: one line with the fix, exit 3 (SPEC §1 has no other)
    const broken = brokenInstallMessage(err);
    if (broken) {
      out.stderr(`callsim: ${broken}\n`);
      return exitCode.internal;
    }
    out.stderr(`callsim: internal error: ${(err as Error).stack ?? err}\n`);
    return exitCode.internal;
  }
}
