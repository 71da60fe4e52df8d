import pkg from '../../package.json' with { type: 'json' };

/** The app version journaled with every session (package.json's version). */
export const appVersion: string = pkg.version;
