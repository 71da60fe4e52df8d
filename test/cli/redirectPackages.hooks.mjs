// Module-resolution hooks for the broken-install tests (node:module register; see
// brokenInstall.test.ts): CALLSIM_TEST_RESOLVE_FROM is a JSON map from a package name to a
// folder, and an import of that package is resolved as if made from that folder, by Node's own
// resolver. A folder without the package gives Node's real "Cannot find package" error; one with
// a copy of it whose binding is not built, or built for another Node.js, gives the real error of
// loading that.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const from = JSON.parse(process.env.CALLSIM_TEST_RESOLVE_FROM ?? '{}');

export async function resolve(specifier, context, nextResolve) {
  const dir = Object.hasOwn(from, specifier) ? from[specifier] : null;
  if (dir === null) return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, parentURL: pathToFileURL(path.join(dir, 'importer.mjs')).href });
}
