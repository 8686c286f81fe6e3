import { useRef, useState } from 'react';
import { exportModel } from '../state/modelExport';
import { useStore } from '../state/store';
import { HTML_SNIPPET, MODULE_SNIPPET, NODE_SNIPPET } from './exportSnippets';

const SNIPPETS = [
  { id: 'html', title: 'Web page (script tags, Teachable Machine\'s library)', code: HTML_SNIPPET },
  { id: 'module', title: 'JavaScript module (npm @tensorflow/tfjs)', code: MODULE_SNIPPET },
  { id: 'node', title: 'Node (npm @tensorflow/tfjs + pngjs)', code: NODE_SNIPPET },
];

/** "Export model" (once a model is trained): a dialog with the download and code to use the model elsewhere. */
export function ModelExport() {
  const trained = useStore((s) => s.training.summary !== null && s.training.status !== 'training');
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  if (!trained) return null;
  return (
    <>
      <button type="button" data-testid="export-model" onClick={() => dialog.current?.showModal()}>
        Export model
      </button>
      <dialog ref={dialog} className="export-dialog" aria-labelledby="export-title">
        <h2 id="export-title">Export model</h2>
        <p>
          A zip in Teachable Machine&apos;s layout: <code>model.json</code> and its weight files (one TF.js layers
          model: a 224×224 RGB image in, one probability per class out) and <code>metadata.json</code> (the class
          labels in output order). It loads in Teachable Machine&apos;s library, in TF.js, and converts to Keras.
          Feed it the centred square of the image at 224×224, transparent pixels on white, scaled as x / 127 − 1.
        </p>
        <button
          type="button"
          data-testid="export-model-download"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void exportModel().finally(() => setBusy(false));
          }}
        >
          {busy ? 'Preparing…' : 'Download model (.zip)'}
        </button>
        {SNIPPETS.map((s) => (
          <details key={s.id}>
            <summary>{s.title}</summary>
            <pre data-testid={`snippet-${s.id}`}>
              <code>{s.code}</code>
            </pre>
          </details>
        ))}
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </dialog>
    </>
  );
}
