// A broken install: a package callsim needs that is missing, or a native one (better-sqlite3,
// onnxruntime-node) whose compiled binding does not load in this Node.js — not built, built
// for another Node.js, or a library it links against gone. That is neither the user's input
// nor a bug in callsim, and it has one fix, which its message gives: `npm run setup`.
//
// No imports: the CLI's entry (cli/main.ts) reads this before it has loaded anything else.

/** What every broken-install message ends with. */
export const setupFix = 'run `npm run setup`';

/** A package that is missing, or whose native binding does not load here. Its message is the one line a user reads. */
export class BrokenInstallError extends Error {
  override name = 'BrokenInstallError';
  constructor(
    readonly pkg: string,
    /** What is wrong with it, after its name: "is not installed", "'s native binding is not built"… */
    readonly problem: string,
  ) {
    super(`broken install: ${pkg}${problem}; ${setupFix}`);
  }
}

const notFound = /Cannot find (?:package|module) '([^']+)'/;

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`), or null for a path. Pure. */
function packageOf(specifier: string): string | null {
  if (/^(?:[./]|file:|node:)/.test(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Why loading `pkg` (importing it, or the first use that loads its native binding) failed, if
 * the install is what is broken; null for any other error (a database file that is not one, a
 * bug). Pure.
 *
 * Node's own failures, as thrown: a package or a file of it not found (MODULE_NOT_FOUND from
 * require, ERR_MODULE_NOT_FOUND from import), `bindings`' "Could not locate the bindings file"
 * (better-sqlite3 not compiled), and ERR_DLOPEN_FAILED (built for another NODE_MODULE_VERSION,
 * not a shared library, a library it needs missing).
 */
export function brokenInstallLoading(pkg: string, err: unknown): BrokenInstallError | null {
  if (err instanceof BrokenInstallError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/Could not locate the bindings file/.test(message)) return new BrokenInstallError(pkg, "'s native binding is not built");
  const abi = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) return new BrokenInstallError(pkg, `'s native binding was built for another Node.js (NODE_MODULE_VERSION ${abi[1]}; Node.js ${process.version} needs ${abi[2]})`);
  if (code === 'ERR_DLOPEN_FAILED') return new BrokenInstallError(pkg, `'s native binding does not load (${message.split('\n')[0]})`);
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    const missing = notFound.exec(message)?.[1] ?? '';
    const missingPackage = packageOf(missing);
    if (missingPackage === pkg || missing === '') return new BrokenInstallError(pkg, ' is not installed');
    if (/\.node$/.test(missing)) return new BrokenInstallError(pkg, `'s native binding is missing (${missing})`);
    return new BrokenInstallError(pkg, ` is not installed completely (it cannot find ${missingPackage ?? missing})`);
  }
  return null;
}

/**
 * The one line for an error that reached the top (of the CLI, of an API request) if a broken
 * install is behind it, else null. Besides a BrokenInstallError (also one that crossed from a
 * worker thread, which keeps only its name and message), an import that did not find a package
 * at all: a missing package fails the import of the module that names it, before any code of
 * ours can say which. Pure.
 */
export function brokenInstallMessage(err: unknown): string | null {
  if (err instanceof BrokenInstallError) return err.message;
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (e?.name === 'BrokenInstallError' && message.startsWith('broken install: ')) return message;
  if (e?.code !== 'MODULE_NOT_FOUND' && e?.code !== 'ERR_MODULE_NOT_FOUND') return null;
  const pkg = packageOf(notFound.exec(message)?.[1] ?? '.');
  return pkg ? new BrokenInstallError(pkg, ' is not installed').message : null;
}
