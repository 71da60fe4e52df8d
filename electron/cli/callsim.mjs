#!/usr/bin/env node
// The `callsim` command. TypeScript sources run through tsx's loader, so a fresh clone needs
// no build step before `npx callsim`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
