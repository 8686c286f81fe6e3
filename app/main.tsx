import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadModel, recoverFromWorkerCrashes } from './state/commands';
import { installTestApi } from './state/testApi';
import { App } from './ui/App';
import './ui/styles.css';

// The test handle (window.headstart, which can crash the worker) exists only in builds made with
// VITE_HEADSTART_TEST_API=1 (Playwright, eval, bench); a production build leaves it out entirely.
if (import.meta.env.VITE_HEADSTART_TEST_API === '1') installTestApi();
recoverFromWorkerCrashes();
void loadModel();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
