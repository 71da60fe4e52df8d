// `npm run lint`: typescript-eslint's recommended rules (syntax only, not type-aware, so it runs in
// seconds) and the walls between the folders, which say where a file runs:
//   shared/    imports nothing of ours outside shared/ (no Node, no Electron either)
//   renderer/  imports only shared/ and its own files (no Node, no Electron)
//   electron/cli/  is the `callsim` command: nothing outside it imports into it
// test/ may import anything. The walls read the import as written: a relative path that climbs
// into another top-level folder (`../electron/…`, `../../renderer/…`), or into a `cli/` folder
// from outside electron/cli/. Static imports, re-exports and dynamic import() are all checked.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = { group: ['node:*'], message: 'runs outside Node: pass what you need in from the Node side.' };
const electronPackage = { regex: '^electron(/|$)', message: 'runs outside Electron: the app side passes it in.' };

/** A relative import climbing into one of `folders` at the top of the project. */
const intoFolders = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
/** A relative import into a `cli/` folder. */
const intoCli = '^\\.\\.?/(\\.\\./)*(electron/)?cli(/|$)';

/**
 * The wall for one folder: no-restricted-imports for import and export declarations, and the same
 * regular expressions for import() (which that rule does not see).
 */
function wall(files, patterns, ignores = []) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': [
        'error',
        ...patterns.filter((p) => p.regex).map((p) => ({ selector: `ImportExpression > Literal.source[value=/${p.regex.replaceAll('/', '\\/')}/]`, message: p.message })),
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'test-output/**', 'node_modules/**', '**/.vite/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks what is unused on purpose (an argument an interface passes, a
      // property dropped by destructuring the rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests poke at parsed JSON, hostile messages and wrong-typed input on purpose.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  wall(['shared/**'], [{ regex: intoFolders(['electron', 'renderer', 'test', 'recordings']), message: 'shared/ imports only shared/: it runs on both sides.' }, nodeBuiltins, electronPackage]),
  wall(
    ['renderer/**'],
    [
      { regex: intoFolders(['electron', 'test', 'recordings']), message: 'renderer/ imports only shared/ and its own files: the Node side is reached through the bridge.' },
      nodeBuiltins,
      electronPackage,
    ],
  ),
  wall(['electron/**'], [{ regex: intoCli, message: 'electron/cli/ is the `callsim` command: what it and others share lives outside it.' }], ['electron/cli/**']),
);
