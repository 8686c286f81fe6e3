/** The trained classifier as a standalone model (Teachable Machine's layout): the worker side of "Export model". */
import * as tf from '@tensorflow/tfjs';
import { exportFiles, type ExportFile } from '../ml/exportFiles';
import { buildExportModel } from '../ml/exportModel';
import { exportFormat, trainedSource } from './exportFormats';
import { closeOpenedModel, openModel, predictWithOpened } from './openModelApi';
import { exclusive, ready } from './session';

export interface ExportRequest {
  /** Class names in the head's output order (the page knows names; the worker knows class ids). */
  labels: string[];
  modelName: string;
  /** Version of the app, written into metadata.json. */
  appVersion: string;
}

export function exportModel(request: ExportRequest): Promise<ExportFile[]> {
  return exclusive(async () => {
    const s = ready();
    const { spec, artifacts, head, weights, testTimeFlip } = await trainedSource(s, request.labels);
    const model = await buildExportModel(artifacts, spec.cutPoint, head, request.modelName, { testTimeFlip, weights });
    return exportFiles(model, {
      tfjsVersion: tf.version.tfjs,
      packageName: 'headstart',
      packageVersion: request.appVersion,
      timeStamp: new Date().toISOString(),
      userMetadata: { backbone: spec.id, adaptedBlocks: s.adapted?.count ?? 0, testTimeFlip, input: 'RGB, the centred square scaled to 224×224, transparent pixels on white, x/127 − 1' },
      modelName: request.modelName,
      labels: request.labels,
      imageSize: spec.inputSize,
      fit: 'cover',
    });
  });
}

/** The worker API's model-file jobs: export the trained model (TF.js, or another format); open an exported one to preview with. */
export const modelFilesApi = { exportModel, exportFormat, openModel, predictWithOpened, closeOpenedModel };
