/**
 * `npm run bench -- --litert` (bench.mjs bundles this file and runs it in Node): the frozen backbone in a
 * second engine, LiteRT.js (TFLite's interpreter with XNNPack, in wasm), beside TF.js's wasm backend, on
 * the same photos (the sample dataset, decoded once). The backbone is exported by the app's own writer:
 * the layers twin up to the embedding (networkFromLayers, then cut at the head's input) → writeTflite.
 * TF.js embeds with the graph model, as the app does. Prints one JSON object on stdout.
 *
 * Node, not the browser: LiteRT.js's ES module imports a bare package name (@litertjs/wasm-utils) that the
 * app's page cannot resolve without bundling LiteRT into the app, which this issue does not do.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBackbone } from '../app/ml/backbone';
import { BACKBONES } from '../app/ml/backbones';
import { networkFromLayers } from '../app/ml/net/fromLayers';
import { opInputs, type Network } from '../app/ml/net/network';
import { samplePhotos } from '../app/ml/net/testing';
import { writeTflite } from '../app/ml/net/tflite/write';
import { diskModel, loadLiteRtNode } from '../app/ml/testing';

const root = resolve(process.env.HEADSTART_ROOT ?? process.cwd());
const reps = Number(process.env.HEADSTART_LITERT_REPS ?? 5);
/** LiteRT.js threads (HEADSTART_LITERT_THREADS); 0: its unthreaded build. */
const liteRtThreads = Number(process.env.HEADSTART_LITERT_THREADS ?? 0);

/**
 * LiteRT.js's threaded build in Node (run with --experimental-wasm-relaxed-simd, which it requires): its
 * pthread workers load its glue as a script, which Node reads as an ES module inside the package
 * ("type": "module"), so the glue and its .wasm are copied to a folder of CommonJS; and it asks
 * navigator.hardwareConcurrency, which Node 20 lacks.
 */
function threadedGlue(): string {
  const dir = mkdtempSync(join(tmpdir(), 'litert-threaded-'));
  for (const ext of ['js', 'wasm']) copyFileSync(join(root, 'node_modules', '@litertjs', 'core', 'wasm', `litert_wasm_threaded_internal.${ext}`), join(dir, `litert_wasm_threaded_internal.${ext}`));
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}');
  (globalThis as { navigator?: unknown }).navigator ??= { hardwareConcurrency: cpus().length, userAgent: `Node ${process.version}` };
  return join(dir, 'litert_wasm_threaded_internal.js');
}

/** The network the export writes, cut where the head starts: the twin's pooled embedding as its output. */
async function backboneNetwork(batch: number): Promise<Network> {
  const twin = BACKBONES.mobilenet_v2_140_layers;
  const artifacts = await diskModel(join(root, 'public', 'models', twin.folder)).load!();
  const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [twin.featureDim], units: 2, activation: 'softmax' })] });
  try {
    const net = await networkFromLayers(artifacts, twin.cutPoint, head, { name: 'MobileNetV2 1.4 backbone', labels: ['a', 'b'] });
    const first = net.ops.findIndex((op) => op.op === 'dense');
    const embedding = opInputs(net.ops[first])[0];
    const ops = net.ops.slice(0, first);
    const used = new Set(ops.flatMap((op) => ('kernel' in op ? [op.kernel, op.bias] : [])));
    return {
      ...net,
      input: { ...net.input, shape: [batch, net.input.shape[1], net.input.shape[2], net.input.shape[3]] as unknown as Network['input']['shape'] },
      output: embedding,
      ops,
      weights: Object.fromEntries(Object.entries(net.weights).filter(([name]) => used.has(name))),
    };
  } finally {
    head.dispose();
  }
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main(): Promise<void> {
  setWasmPaths(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
  const photos = samplePhotos(224, join(root, 'public', 'samples', 'tuxpaint-photos'));
  const count = Math.min(16, photos.count);
  const each = 224 * 224 * 3;
  const pixels = Float32Array.from(photos.bytes.subarray(0, count * each), (p) => p / 255);
  const graph = BACKBONES.mobilenet_v2_140;
  const backbone = await loadBackbone(graph, diskModel(join(root, 'public', 'models', graph.folder)));

  /** TF.js: ms per image at `batch`, median of `reps` calls after a warm-up, and the embeddings of the first `batch` photos. */
  const tfjs = async (batch: number) => {
    const input = tf.tensor4d(pixels.subarray(0, batch * each), [batch, 224, 224, 3]);
    const times: number[] = [];
    let values: Float32Array<ArrayBufferLike> = new Float32Array();
    for (let i = 0; i <= reps; i++) {
      const started = performance.now();
      const out = backbone.embed(input);
      values = (await out.data()) as Float32Array;
      out.dispose();
      if (i > 0) times.push((performance.now() - started) / batch);
    }
    input.dispose();
    return { msPerImage: median(times), values };
  };

  const lrt = await loadLiteRtNode(liteRtThreads > 0 ? threadedGlue() : undefined);
  /** LiteRT.js: the same, with the exported backbone compiled for `batch` images. */
  const liteRt = async (batch: number, bytes: Uint8Array) => {
    const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm', ...(liteRtThreads > 0 ? { cpuOptions: { numThreads: liteRtThreads } } : {}) });
    const times: number[] = [];
    let values: Float32Array<ArrayBufferLike> = new Float32Array();
    try {
      for (let i = 0; i <= reps; i++) {
        const tensor = new lrt.Tensor(pixels.slice(0, batch * each), [batch, 224, 224, 3]);
        const started = performance.now();
        const [out] = await model.run(tensor);
        values = out.toTypedArray() as Float32Array;
        if (i > 0) times.push((performance.now() - started) / batch);
        tensor.delete();
        out.delete();
      }
    } finally {
      model.delete();
    }
    return { msPerImage: median(times), values };
  };

  const rows = [];
  for (const batch of [1, count]) {
    const started = performance.now();
    const bytes = writeTflite(await backboneNetwork(batch));
    const writeMs = performance.now() - started;
    const a = await tfjs(batch);
    const b = await liteRt(batch, bytes);
    let maxAbsDiff = 0;
    for (let i = 0; i < a.values.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a.values[i] - b.values[i]));
    if (a.values.length !== b.values.length) throw new Error(`TF.js gave ${a.values.length} values, LiteRT.js ${b.values.length}`);
    rows.push({ batch, tfjsMsPerImage: a.msPerImage, liteRtMsPerImage: b.msPerImage, maxAbsDiff, agreeWithin1e4: maxAbsDiff <= 1e-4, tfliteBytes: bytes.length, writeMs });
  }
  backbone.dispose();
  console.log(JSON.stringify({
    liteRtThreadCount: (lrt.getGlobalLiteRt() as unknown as { liteRtWasm?: { getThreadCount?: () => number } }).liteRtWasm?.getThreadCount?.() ?? null,
    engines: { tfjs: `@tensorflow/tfjs-backend-wasm (Node ${process.version}, ${getThreadsCount()} thread(s))`, liteRt: `@litertjs/core (Node, ${liteRtThreads > 0 ? `its threaded wasm build, ${liteRtThreads} threads asked` : 'its unthreaded wasm build'}, XNNPack)` },
    photos: count,
    reps,
    rows,
  }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
