import { createRequire } from 'node:module';

/** The app version journaled with every session (package.json's version). */
export const appVersion: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
