/** The trained classifier as a standalone model (Teachable Machine's layout): the worker side of "Export model". */
import * as tf from '@tensorflow/tfjs';
import { exportSourceSpec } from '../ml/backbones';
import { exportFiles, type ExportFile } from '../ml/exportFiles';
import { adaptedWeights } from '../ml/blocks';
import { buildExportModel } from '../ml/exportModel';
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
    if (!s.head) throw new Error('Train the model before exporting it.');
    const units = s.head.outputs[0].shape[1];
    if (request.labels.length !== units) throw new Error(`${request.labels.length} labels for a model with ${units} classes`);
    const spec = exportSourceSpec(s.backbone.spec);
    const artifacts = await tf.io.http(new URL(`models/${spec.folder}/model.json`, s.baseUrl).href).load!();
    // With test-time flip the app averages each image and its mirror: so does the exported model.
    // Adapted blocks replace the twin's weights of the same layers, so the export predicts as the app does.
    const weights = s.adapted ? adaptedWeights(s.adapted) : undefined;
    const model = await buildExportModel(artifacts, spec.cutPoint, s.head, request.modelName, { testTimeFlip: s.headTestTimeFlip, weights });
    return exportFiles(model, {
      tfjsVersion: tf.version.tfjs,
      packageName: 'headstart',
      packageVersion: request.appVersion,
      timeStamp: new Date().toISOString(),
      userMetadata: { backbone: spec.id, adaptedBlocks: s.adapted?.count ?? 0, testTimeFlip: s.headTestTimeFlip, input: 'RGB, the centred square scaled to 224×224, transparent pixels on white, x/127 − 1' },
      modelName: request.modelName,
      labels: request.labels,
      imageSize: spec.inputSize,
      fit: 'cover',
    });
  });
}

/** The worker API's model-file jobs: export the trained model; open an exported one to preview with. */
export const modelFilesApi = { exportModel, openModel, predictWithOpened, closeOpenedModel };
