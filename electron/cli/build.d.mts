// Types of build.mjs (plain JavaScript, so that setup.mjs and the built launcher can run it without tsx).

/** Where `npm run build:cli` puts the CLI. */
export declare const cliOutDir: string;
/** Packages the bundles leave to node_modules. */
export declare const external: string[];

/** build.json: the current entry and worker, and each project file the build was made from with its mtime. */
export interface CliManifest {
  builtAt: string;
  main: string;
  worker: string;
  inputs: Record<string, number>;
}

/** Bundles the red-team worker into `dir` as worker-<hash>.mjs. Effects: writes the file. */
export declare function bundleWorker(dir: string): Promise<{ file: string; inputs: string[] }>;

/** Builds the CLI into `outDir` (default dist/cli). Effects: writes `outDir`. */
export declare function buildCli(o?: { outDir?: string }): Promise<CliManifest>;
