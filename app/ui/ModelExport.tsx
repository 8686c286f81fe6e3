import { useRef, useState } from 'react';
import { exportModel, exportRefusal, useModelFiles } from '../state/modelExport';
import { useStore } from '../state/store';
import {
  HTML_SNIPPET,
  MODULE_SNIPPET,
  NODE_SNIPPET,
  ONNX_CSHARP_SNIPPET,
  ONNX_NODE_SNIPPET,
  ONNX_PYTHON_SNIPPET,
  PYTORCH_SNIPPET,
  TFLITE_KOTLIN_SNIPPET,
  TFLITE_PYTHON_SNIPPET,
} from './exportSnippets';
import { FormatExport, type FormatInfo } from './FormatExport';
import { Snippets } from './Snippets';

const SNIPPETS = [
  { id: 'html', title: 'Web page (script tags, Teachable Machine\'s library)', code: HTML_SNIPPET },
  { id: 'module', title: 'JavaScript module (npm @tensorflow/tfjs)', code: MODULE_SNIPPET },
  { id: 'node', title: 'Node (npm @tensorflow/tfjs + pngjs)', code: NODE_SNIPPET },
];

const FORMATS: FormatInfo[] = [
  {
    format: 'tflite',
    title: 'TensorFlow Lite (float32)',
    where: 'Runs in Android and iOS apps (MediaPipe, LiteRT), on a Raspberry Pi and on a Coral board\'s CPU; labels and normalisation are in its metadata.',
    button: 'Download TFLite (.zip)',
    snippets: [
      { id: 'tflite-python', title: 'Python (LiteRT interpreter)', code: TFLITE_PYTHON_SNIPPET },
      { id: 'tflite-kotlin', title: 'Android, Kotlin (MediaPipe Image Classifier)', code: TFLITE_KOTLIN_SNIPPET },
    ],
  },
  {
    format: 'tflite-int8',
    title: 'TensorFlow Lite (int8, fully quantised)',
    where: 'For the Edge TPU compiler (Coral) and small integer-only devices: about a quarter of the size, calibrated on your training images. It takes the raw pixels (uint8); the TFLite code above runs it.',
    button: 'Download int8 TFLite (.zip)',
    snippets: [],
  },
  {
    format: 'onnx',
    title: 'ONNX',
    where: 'For Python, C#, C++ and JavaScript services with ONNX Runtime; the labels and preprocessing are in its metadata.',
    button: 'Download ONNX (.zip)',
    snippets: [
      { id: 'onnx-python', title: 'Python (onnxruntime)', code: ONNX_PYTHON_SNIPPET },
      { id: 'onnx-csharp', title: 'C# (Microsoft.ML.OnnxRuntime)', code: ONNX_CSHARP_SNIPPET },
      { id: 'onnx-node', title: 'Node (onnxruntime-node + pngjs)', code: ONNX_NODE_SNIPPET },
    ],
  },
  {
    format: 'pytorch',
    title: 'Continue in PyTorch',
    where: 'The weights and one script: predict in Python, or go on training on your dataset at scale with torchrun (one CPU, one GPU or many machines).',
    button: 'Download for PyTorch (.zip)',
    snippets: [{ id: 'pytorch', title: 'Commands', code: PYTORCH_SNIPPET }],
  },
];

/** "Export model" (once a model is trained, or opened): a dialog with the downloads and code to use the model elsewhere. */
export function ModelExport() {
  const trained = useStore((s) => s.training.summary !== null && s.training.status !== 'training');
  const opened = useModelFiles((s) => s.opened);
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  if (!trained && !opened) return null;
  const refusal = exportRefusal(trained, opened);
  return (
    <>
      <button type="button" data-testid="export-model" onClick={() => dialog.current?.showModal()}>
        Export model
      </button>
      <dialog ref={dialog} className="export-dialog" aria-labelledby="export-title">
        <h2 id="export-title">Export model</h2>
        {refusal && (
          <p role="alert" className="error" data-testid="export-refused">
            {refusal}
          </p>
        )}
        <section aria-labelledby="export-tfjs-title">
          <h3 id="export-tfjs-title">TensorFlow.js (Teachable Machine&apos;s layout)</h3>
          <p>
            A zip of <code>model.json</code> and its weight files (one TF.js layers model: a 224×224 RGB image in, one
            probability per class out) and <code>metadata.json</code> (the class labels in output order). It loads in
            Teachable Machine&apos;s library, in TF.js, and converts to Keras. Feed it the centred square of the image at
            224×224, transparent pixels on white, scaled as x / 127 − 1.
          </p>
          <button
            type="button"
            data-testid="export-model-download"
            disabled={busy || refusal !== null}
            onClick={() => {
              setBusy(true);
              void exportModel().finally(() => setBusy(false));
            }}
          >
            {busy ? 'Preparing…' : 'Download model (.zip)'}
          </button>
          <Snippets snippets={SNIPPETS} />
        </section>
        <p>
          Every other format comes as a zip with <code>headstart.json</code> beside the model: how an image becomes its
          input (layout, size, the centred square, scale and offset of the 0–255 pixels) and the labels in output order.
        </p>
        {FORMATS.map((info) => (
          <FormatExport key={info.format} info={info} refused={refusal !== null} />
        ))}
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </dialog>
    </>
  );
}
