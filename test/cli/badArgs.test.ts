import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputErrorLine } from '../../electron/cli/main.ts';
import { InputError } from '../../shared/validate.ts';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';

function callsim(args: string[]) {
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scenario = path.join(repoRoot, 'recordings/scenarios/happy-path.json');
/** `callsim:` or `callsim <command>:`, the program naming itself. */
const programPrefix = /(?:^|\s)callsim(?: [a-z-]+)*: /g;

// SPEC §1: bad input is exit 2 and one line on stderr naming the file, the place and the problem.
// When the "file" is the command line itself, the line starts with the program (or command)
// once: every one of these used to read `callsim: callsim…: `.
describe('a bad command line: one line, the program named once at its start, exit 2', () => {
  const db = () => ['--db', path.join(tempDir(), 'bad-args.db')];
  const cases: [string, string[], string][] = [
    ['an unknown command', ['frobnicate'], 'callsim: unknown command "frobnicate" (try callsim --help)'],
    ['run --seed', ['run', scenario, '--seed', 'abc', ...db()], 'callsim: --seed: "abc" is not a whole number from 0 to 4294967295'],
    ['run --allow-env', ['run', scenario, '--allow-env', 'NOT-A-NAME', ...db()], 'callsim: --allow-env: "NOT-A-NAME" is not an environment variable name'],
    ['mic --allow-env', ['mic', '--allow-env', 'A-B', ...db()], 'callsim: --allow-env: "A-B" is not an environment variable name'],
    [
      'an unknown flag',
      ['run', scenario, '--bogus', ...db()],
      `callsim: arguments: Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- "--bogus"`,
    ],
    ['run with two files', ['run', 'a.json', 'b.json', ...db()], 'callsim run: arguments: give exactly one scenario .json or call .wav'],
    ['sessions, unknown subcommand', ['sessions', 'frob', ...db()], 'callsim sessions: unknown subcommand "frob" (list, show, export, import, delete, to-scenario)'],
    ['sessions show without an id', ['sessions', 'show', ...db()], 'callsim sessions show: arguments: give a session id'],
    ['replay without an id', ['replay', ...db()], 'callsim replay: arguments: give exactly one session id'],
    ['whatif without --policy', ['whatif', 'x', ...db()], 'callsim whatif: --policy: give the policy to try (a JSON file of SPEC §3 keys)'],
    ['fork --at', ['fork', 'x', '--at', 'soon', ...db()], 'callsim fork: --at: give the fork time in ms (got "soon")'],
    ['redteam --shard', ['redteam', '--shard', '0/0', ...db()], 'callsim redteam: --shard: "0/0" is not i/n with 1 ≤ i ≤ n (e.g. 1/4)'],
    ['redteam --jobs', ['redteam', '--jobs', '0', ...db()], 'callsim redteam: --jobs: "0" is not a positive whole number'],
    ['mic with a positional', ['mic', 'extra', ...db()], 'callsim mic: arguments: unexpected "extra" (use --input file.wav to play a file as the microphone)'],
    ['serve --port', ['serve', '--port', 'x', ...db()], 'callsim serve: --port: "x" is not a port number (0–65535; 0 picks a free one)'],
    ['serve --inspect', ['serve', '--inspect', 'http://localhost:8080', ...db()], 'callsim serve: --inspect: "http://localhost:8080" is not a WebSocket URL (ws://host:port or wss://…)'],
    ['serve, an unknown flag', ['serve', '--bogus'], "callsim serve: arguments: Unknown option '--bogus'"],
    // a file of the user's is the file the line names, after the program's name
    ['a missing scenario file', ['run', '/nonexistent/x.json', ...db()], 'callsim: /nonexistent/x.json: no such file'],
  ];
  for (const [what, args, line] of cases)
    it(what, () => {
      const r = callsim(args);
      expect(r.stderr).toBe(`${line}\n`);
      expect(r.stderr.match(programPrefix)).toHaveLength(1);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    });
});

describe('inputErrorLine', () => {
  it('prefixes the program to a file of the user, even one named like it, and not to the program or its commands', () => {
    expect(inputErrorLine(new InputError('callsim', '--seed', 'bad'))).toBe('callsim: --seed: bad');
    expect(inputErrorLine(new InputError('callsim sessions to-scenario', 'arguments', 'bad'))).toBe('callsim sessions to-scenario: arguments: bad');
    expect(inputErrorLine(new InputError('callsim.json', '$.seed', 'bad'))).toBe('callsim: callsim.json: $.seed: bad');
    expect(inputErrorLine(new InputError('./callsim', '', 'no such file'))).toBe('callsim: ./callsim: no such file');
    expect(inputErrorLine(new InputError('callsim notes/a.json', '', 'no such file'))).toBe('callsim: callsim notes/a.json: no such file');
  });
});
