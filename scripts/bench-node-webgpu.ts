/**
 * The benchmark's backend-only measurements on WebGPU in Node, against whatever adapter Dawn finds
 * (a real GPU where there is one). For machines with a GPU but no browser: it runs the same functions
 * the app's worker runs for `npm run bench` (app/worker/bench.ts), on the same bundled models.
 * Decode/ingest and main-thread figures need the browser and are not measured here.
 *
 * Built and run by scripts/bench-node-webgpu.mjs; prints one JSON object.
 */
import './webgpu-node-setup';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { join } from 'node:path';
import { loadBackbone } from '../app/ml/backbone';
import { DEFAULT_BACKBONE_ID, EMBED_BATCH, getBackboneSpec } from '../app/ml/backbones';
import { diskModel } from '../app/ml/testing';
import { bareThroughput, headEpochMs } from '../app/worker/bench';
import { fineTuneBench } from '../app/worker/fineTuneBench';

const models = process.env.MODELS_DIR ?? 'public/models';
const epochs = Number(process.env.HEAD_EPOCHS ?? 3);
/** QUICK=1: a smoke run of every step with tiny sizes (software adapters), not a measurement. */
const quick = process.env.QUICK === '1';
/** The app's batch is always measured: it is the one the ratios below are taken against. */
const appBatch = quick ? 2 : EMBED_BATCH;
const batches = [...new Set(quick ? [1, appBatch] : [1, 8, appBatch, 32, 64])].sort((a, b) => a - b);
const [smallN, largeN] = quick ? [100, 200] : [1000, 5000];
const log = (m: string) => process.stderr.write(`${m}\n`);

interface AdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string };
}

async function main() {
  // Typed here, not from @webgpu/types: TypeScript's DOM library has no `adapter.info` yet.
  const gpu = (globalThis.navigator as unknown as { gpu: { requestAdapter(options: object): Promise<AdapterLike | null> } }).gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter');
  const { vendor, architecture, device, description } = adapter.info;
  const adapterInfo = { vendor, architecture, device, description };
  log(`adapter: ${JSON.stringify(adapterInfo)}`);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
  await tf.ready();

  const spec = getBackboneSpec(DEFAULT_BACKBONE_ID);
  const started = performance.now();
  const backbone = await loadBackbone(spec, diskModel(join(models, spec.folder)));
  const loadMs = performance.now() - started;
  log(`backbone loaded and warmed up in ${loadMs.toFixed(0)} ms`);
  const bare: Record<string, number> = {};
  for (const batch of batches) {
    bare[batch] = await bareThroughput(backbone, batch, quick ? batch : Math.max(64, 4 * batch));
    log(`bare batch ${batch}: ${bare[batch].toFixed(1)} img/s`);
  }
  const dim = spec.featureDim;
  const head1000 = await headEpochMs('ours', smallN, dim, 5, epochs);
  log(`ours N=${smallN}: ${head1000.epochMs.toFixed(1)} ms/epoch`);
  const ours5000 = await headEpochMs('ours', largeN, dim, 5, epochs);
  log(`ours N=${largeN}: ${ours5000.epochMs.toFixed(1)} ms/epoch`);
  const tm5000 = await headEpochMs('tm', largeN, dim, 5, epochs);
  log(`TM-style N=${largeN}: ${tm5000.epochMs.toFixed(1)} ms/epoch`);
  const fineTune = quick ? null : await fineTuneBench(diskModel(join(models, 'mobilenet_v2_140_layers')), 16, 3);
  for (const row of fineTune?.rows ?? []) if (row.stepMs !== null) log(`fine-tune step, last ${row.blocks} block(s): ${row.stepMs.toFixed(0)} ms`);
  const memory = tf.memory();
  backbone.dispose();
  const backbonePassMs1000 = (1000 / bare[appBatch]) * 1000;
  console.log(
    JSON.stringify({
      adapter: adapterInfo,
      backend: tf.getBackend(),
      node: process.version,
      quick,
      headEpochs: epochs,
      n: [smallN, largeN],
      loadAndWarmUpMs: loadMs,
      bareImgPerSecByBatch: bare,
      bareImgPerSec: bare[appBatch],
      backbonePassMs1000,
      headEpochMs1000: head1000.epochMs,
      headShareOfBackbonePass: head1000.epochMs / backbonePassMs1000,
      ourEpochMs5000: ours5000.epochMs,
      tmEpochMs5000: tm5000.epochMs,
      tmOverOurs: tm5000.epochMs / ours5000.epochMs,
      fineTuneStepMs: fineTune?.rows.map((r) => r.stepMs) ?? null,
      tensorBytesAtEnd: memory.numBytes,
    }),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
