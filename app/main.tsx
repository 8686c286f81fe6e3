import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadModel, recoverFromWorkerCrashes } from './state/commands';
import { installTestApi } from './state/testApi';
import { App } from './ui/App';
import './ui/styles.css';

installTestApi();
recoverFromWorkerCrashes();
void loadModel();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
