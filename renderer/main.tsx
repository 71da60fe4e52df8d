import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './App.tsx';
import { boot } from './appState.ts';

createRoot(document.getElementById('root')!).render(<App />);
void boot().catch((err) => console.error('callsim: could not start the UI', err));
