/**
 * The ONNX export proven by loading it: ONNX Runtime (onnxruntime-node, its Linux CPU binaries from npm)
 * runs the file on real images prepared from its own preprocessing statement alone, and answers as the
 * app does; Debian's onnx checker (python3-onnx, full_check) accepts it.
 */
import { fromBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelProtoSchema, TensorProto_DataType } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptedWeights, disposeBlocks } from '../blocks';
import { networkFromLayers } from './fromLayers';
import type { Network, Preprocessing } from './network';
import { ONNX_OPSET, PREPROCESSING_KEY, writeOnnx } from './onnx';
import { runNetwork } from './run';
import { appPixels, appPredict, appPredictAdapted, maxAbsDiff, nudgedBlocks, samplePhotos, subset, topClasses, trainedProject, useWasm, type ImageSet, type TrainedProject } from './testing';

const PYTHON = process.env.HEADSTART_PYTHON ?? '/usr/bin/python3';

let project: TrainedProject;
let pixels: tf.Tensor4D;
const dir = mkdtempSync(join(tmpdir(), 'headstart-onnx-'));

beforeAll(async () => {
  await useWasm();
  project = await trainedProject();
  pixels = appPixels(project.test.bytes, project.test.count, project.test.size);
}, 300_000);

afterAll(() => {
  pixels.dispose();
  project.dispose();
});

/** The statement the file carries, read back with onnx-buf. */
function statementOf(bytes: Uint8Array): Preprocessing {
  const entry = fromBinary(ModelProtoSchema, bytes).metadataProps.find((p) => p.key === PREPROCESSING_KEY);
  if (!entry) throw new Error(`no "${PREPROCESSING_KEY}" in metadata_props`);
  return JSON.parse(entry.value) as Preprocessing;
}

/** What a user's code does with the statement alone: RGB bytes at its size → pixel × scale + offset, in its layout. */
function prepare(statement: Preprocessing, images: ImageSet): ort.Tensor {
  const { size, scale, offset } = statement;
  if (images.size !== size) throw new Error(`images of ${images.size} px for a ${size} px input`);
  const plane = size * size;
  const out = new Float32Array(images.count * 3 * plane);
  for (let n = 0; n < images.count; n++) {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const value = images.bytes[(n * plane + p) * 3 + c] * scale + offset;
        out[statement.layout === 'NCHW' ? (n * 3 + c) * plane + p : (n * plane + p) * 3 + c] = value;
      }
    }
  }
  return new ort.Tensor('float32', out, statement.layout === 'NCHW' ? [images.count, 3, size, size] : [images.count, size, size, 3]);
}

async function runOnnx(bytes: Uint8Array, images: ImageSet): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = prepare(statementOf(bytes), images);
    const result = await session.run({ [session.inputNames[0]]: input });
    return result[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = f();
  return { value, ms: performance.now() - start };
}

describe('head only, with test-time flip', () => {
  let net: Network;
  let bytes: Uint8Array;

  beforeAll(async () => {
    net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'emoji', labels: project.labels, testTimeFlip: true });
    const written = timed(() => writeOnnx(net, { producerVersion: 'test' }));
    bytes = written.value;
    console.log(`model.onnx: ${(bytes.length / 2 ** 20).toFixed(2)} MiB, written in ${written.ms.toFixed(0)} ms`);
  });

  it('ONNX Runtime, fed from the file\'s own statement, answers as the app does (within 1e-4, same top class)', async () => {
    const onnx = await runOnnx(bytes, project.test);
    const app = await values(appPredict(project, pixels, true));
    const reference = await values(runNetwork(net, pixels));
    const k = project.labels.length;
    console.log(`ONNX Runtime vs app: max |diff| = ${maxAbsDiff(onnx, app).toExponential(2)}; vs runNetwork: ${maxAbsDiff(onnx, reference).toExponential(2)} (${project.test.count} images)`);
    expect(maxAbsDiff(onnx, app)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(onnx, reference)).toBeLessThanOrEqual(1e-4);
    expect(topClasses(onnx, k)).toEqual(topClasses(app, k));
    // A real answer, not a uniform one: the head gets the held-out emoji right.
    expect(topClasses(onnx, k)).toEqual(project.test.classes);
    // The mirror matters: without it the app answers otherwise, by more than the tolerance.
    expect(maxAbsDiff(await values(appPredict(project, pixels, false)), app)).toBeGreaterThan(1e-4);
  });

  it('on real photos (one per class of the sample dataset, decoded by PIL) too', async () => {
    const photos = samplePhotos();
    const set = subset(photos, [0, 1, 2].map((c) => photos.classes.indexOf(c)));
    const input = appPixels(set.bytes, set.count, set.size);
    const onnx = await runOnnx(bytes, set);
    const app = await values(appPredict(project, input, true));
    input.dispose();
    console.log(`ONNX Runtime vs app on 3 sample photos: max |diff| = ${maxAbsDiff(onnx, app).toExponential(2)}`);
    expect(maxAbsDiff(onnx, app)).toBeLessThanOrEqual(1e-4);
    expect(topClasses(onnx, project.labels.length)).toEqual(topClasses(app, project.labels.length));
  });

  it('the batch is symbolic: one image alone gets the answer it gets among six', async () => {
    const one: ImageSet = { ...project.test, count: 1, bytes: project.test.bytes.slice(0, 224 * 224 * 3) };
    const six = await runOnnx(bytes, project.test);
    const alone = await runOnnx(bytes, one);
    expect(alone).toHaveLength(project.labels.length);
    expect(maxAbsDiff(alone, six.slice(0, project.labels.length))).toBeLessThan(1e-6);
  });

  it('states its preprocessing and labels in metadata_props, its producer and opset; each weight stored once', () => {
    const model = fromBinary(ModelProtoSchema, bytes);
    expect(statementOf(bytes)).toEqual({ layout: 'NCHW', size: 224, fit: 'cover', scale: 1 / 255, offset: 0, labels: project.labels });
    expect(Object.keys(statementOf(bytes))).toEqual(['layout', 'size', 'fit', 'scale', 'offset', 'labels']);
    expect(model.metadataProps.find((p) => p.key === 'labels')?.value).toBe(project.labels.join('\n'));
    expect([model.producerName, model.producerVersion]).toEqual(['headstart', 'test']);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    const graph = model.graph!;
    const dims = graph.input[0].type?.value.case === 'tensorType' ? graph.input[0].type.value.value.shape?.dim.map((d) => d.value.value) : [];
    expect([graph.input[0].name, dims]).toEqual(['image', ['batch', 3n, 224n, 224n]]);
    const names = graph.initializer.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    // The net's weights (the flip's second pass shares them) + Clip's bounds + Slice's four int64 vectors.
    expect(names.length).toBe(Object.keys(net.weights).length + 2 + 4);
    expect(graph.initializer.filter((t) => t.dataType === TensorProto_DataType.FLOAT).reduce((n, t) => n + t.rawData.length, 0)).toBe(
      Object.values(net.weights).reduce((n, w) => n + 4 * w.data.length, 0) + 8,
    );
    const opTypes = new Set(graph.node.map((n) => n.opType));
    expect(opTypes).toEqual(new Set(['Slice', 'Conv', 'Clip', 'Add', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Relu', 'Softmax', 'Mean']));
  });

  it('Debian\'s onnx checker (full_check) accepts the file', () => {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    const r = spawnSync(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok", onnx.__version__)', file], { encoding: 'utf8' });
    if (r.error || /No module named .?onnx/.test(r.stderr)) {
      throw new Error(`the ONNX checker needs the onnx module in ${PYTHON}: apt-get install python3-onnx (or set HEADSTART_PYTHON). ${r.error?.message ?? r.stderr}`);
    }
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok /);
    expect(r.status).toBe(0);
  });
});

it('with adapted blocks and no flip, ONNX Runtime answers as the app\'s adapted path does', async () => {
  const twin = await tf.loadLayersModel(tf.io.fromMemory(project.artifacts));
  const adapted = nudgedBlocks(twin, 1);
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'adapted', labels: project.labels, weights: adaptedWeights(adapted) });
  const onnx = await runOnnx(writeOnnx(net), project.test);
  const app = await values(appPredictAdapted(project.head, twin, adapted, pixels, false));
  console.log(`ONNX Runtime vs app, 1 adapted block: max |diff| = ${maxAbsDiff(onnx, app).toExponential(2)}`);
  expect(maxAbsDiff(onnx, app)).toBeLessThanOrEqual(1e-4);
  expect(topClasses(onnx, project.labels.length)).toEqual(topClasses(app, project.labels.length));
  disposeBlocks(adapted);
  twin.dispose();
}, 120_000);
