import { buildCli } from '../electron/cli/build.mjs';

/**
 * Once per test run, before any test file: builds the CLI (dist/cli) from the current sources,
 * so tests that spawn it (helpers' cliBin) test what is in the tree, not an older build.
 */
export default async function buildTheCli(): Promise<void> {
  await buildCli();
}
