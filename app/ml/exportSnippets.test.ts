import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { NODE_SNIPPET } from '../ui/exportSnippets';
import { loadBackbone } from './backbone';
import { BACKBONES } from './backbones';
import { exportFiles } from './exportFiles';
import { buildExportModel } from './exportModel';
import { createHead, predictHead } from './head';
import { DEFAULT_HEAD_SETTINGS } from './settings';
import { diskModel, fixturePixels } from './testing';

const root = join(__dirname, '..', '..');
const modelsDir = join(root, 'public', 'models');

it('the Node snippet of the export dialog, run on exported files, prints the app\'s probabilities', async () => {
  await tf.setBackend('cpu');
  const labels = ['fruit', 'vehicle', 'face'];
  const head = createHead(1792, labels.length, { ...DEFAULT_HEAD_SETTINGS, seed: 9 });
  const spec = BACKBONES.mobilenet_v2_140_layers;
  const exported = await buildExportModel(await diskModel(join(modelsDir, spec.folder)).load!(), spec.cutPoint, head, 'snippet');
  // Inside the repository, so the snippet's imports resolve to the project's @tensorflow/tfjs and pngjs.
  const dir = join(root, 'node_modules', '.tmp', 'headstart-snippet');
  mkdirSync(join(dir, 'model'), { recursive: true });
  const metadata = { tfjsVersion: tf.version.tfjs, packageName: 'headstart', packageVersion: 'test', timeStamp: '', userMetadata: {}, modelName: 'snippet', labels, imageSize: 224, fit: 'cover' as const };
  for (const f of exportFiles(exported, metadata)) writeFileSync(join(dir, 'model', f.name), f.data);
  writeFileSync(join(dir, 'classify.mjs'), NODE_SNIPPET);

  const { pixels, paths } = fixturePixels(224);
  const index = paths.findIndex((p) => p.endsWith('peach.png'));
  const ingest = await loadBackbone(BACKBONES.mobilenet_v2_140, diskModel(join(modelsDir, BACKBONES.mobilenet_v2_140.folder)));
  const probs = tf.tidy(() => predictHead(head, ingest.embed(pixels.slice(index, 1) as tf.Tensor4D)));
  const expected = Array.from(await probs.data());
  tf.dispose([pixels, probs]);
  ingest.dispose();
  head.dispose();

  const printed = execFileSync(process.execPath, [join(dir, 'classify.mjs'), join(dir, 'model'), join(root, 'e2e', 'fixtures', paths[index])], { encoding: 'utf8' });
  const scores = JSON.parse(printed.trim().split('\n').at(-1)!) as { label: string; probability: number }[];
  expect(scores.map((s) => s.label)).toEqual(labels);
  const diff = Math.max(...scores.map((s, i) => Math.abs(s.probability - expected[i])));
  console.log(`Node snippet vs app probabilities: max |diff| = ${diff.toExponential(2)} (${JSON.stringify(expected.map((p) => +p.toFixed(3)))})`);
  expect(diff).toBeLessThan(1e-4);
}, 300_000);
