// The page's first script: small, so that it runs at once. It connects to callsim and asks what
// the first screen needs, then loads the UI itself (React, the statechart: most of the page's
// code), which finds the answers on their way or already in.
import '@xyflow/react/dist/style.css';
import './styles.css';
import { startConnection } from './connection.ts';

const early = startConnection();
import('./start.tsx').then(({ start }) => start(early)).catch((err) => console.error('callsim: could not start the UI', err));
