/**
 * What each format's download holds beside its model (TF-free): the preprocessing statement as
 * headstart.json, labels.txt for TFLite (both taken from the files packed inside the .tflite itself), and
 * for PyTorch the script and a README with its commands.
 */
import { unzipSync } from 'fflate';
import torchScript from '../../python/headstart_torch.py?raw';
import type { ExportFile } from '../ml/exportFiles';
import { PYTORCH_SNIPPET } from '../ui/exportSnippets';
import type { ExportFormat, FormatExportResult } from '../worker/protocol';

/** The one file each format's button downloads. */
export const FORMAT_ZIP_NAMES: Record<ExportFormat, string> = {
  tflite: 'headstart-model-tflite.zip',
  'tflite-int8': 'headstart-model-int8.zip',
  onnx: 'headstart-model-onnx.zip',
  pytorch: 'headstart-model-pytorch.zip',
};

const text = (value: string) => new TextEncoder().encode(value);

/** The files a .tflite carries after its FlatBuffer (an uncompressed zip: labels.txt, headstart.json). */
function packedInTflite(model: Uint8Array): Record<string, Uint8Array> {
  try {
    return unzipSync(model, { filter: (f) => f.name === 'labels.txt' || f.name === 'headstart.json' });
  } catch {
    return {};
  }
}

export function formatFiles(result: FormatExportResult): ExportFile[] {
  const statement = text(JSON.stringify(result.statement, null, 2) + '\n');
  switch (result.format) {
    case 'tflite':
    case 'tflite-int8': {
      const packed = packedInTflite(result.model);
      if (!packed['labels.txt']) throw new Error('the TFLite file carries no labels.txt');
      return [
        { name: 'model.tflite', data: result.model },
        { name: 'labels.txt', data: packed['labels.txt'] },
        { name: 'headstart.json', data: packed['headstart.json'] ?? statement },
      ];
    }
    case 'onnx':
      return [
        { name: 'model.onnx', data: result.model },
        { name: 'headstart.json', data: statement },
      ];
    case 'pytorch':
      return [
        { name: 'model.npz', data: result.model },
        { name: 'headstart_torch.py', data: text(torchScript) },
        { name: 'headstart.json', data: statement },
        { name: 'README.txt', data: text(`Headstart's model for PyTorch: the weights (model.npz), the script that builds the network and\nloads them (headstart_torch.py), and how an image becomes its input (headstart.json).\n\n${PYTORCH_SNIPPET}\n`) },
      ];
  }
}
