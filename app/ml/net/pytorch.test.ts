/**
 * The PyTorch export proven by loading it in PyTorch: python/headstart_torch.py (Debian's torch 1.13 and
 * torchvision 0.14, or HEADSTART_PYTHON) predicts what the app predicts on real images prepared from
 * headstart.json alone, and goes on training under torchrun with two processes.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDatasetZip } from '../../platform/dataset';
import { BACKBONES } from '../backbones';
import { adaptedWeights, disposeBlocks, type AdaptedBlocks } from '../blocks';
import { createHead } from '../head';
import { centreSquare, rgbaToPixels } from '../imageInput';
import { DEFAULT_HEAD_SETTINGS } from '../settings';
import { diskModel } from '../testing';
import { networkFromLayers } from './fromLayers';
import type { NetOp, Network } from './network';
import { mobilenetV2Convs, npy, torchWeights, writePytorch, type TorchExport } from './pytorch';
import { runNetwork } from './run';
import { appPredictAdapted, maxAbsDiff, MODELS_DIR, nudgedBlocks, ROOT, topClasses, trainedProject, useWasm, type TrainedProject } from './testing';

const PYTHON = process.env.HEADSTART_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(ROOT, 'python', 'headstart_torch.py');
const FIXTURES = join(ROOT, 'e2e', 'fixtures', 'emoji');

/** Runs the interpreter; the result, whatever its exit status. */
function python(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw new Error(`${PYTHON} could not be run (${r.error.message})`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The tests need PyTorch: without it they fail (never skip), saying how to install it. */
function requireTorch(): void {
  let why: string;
  try {
    const r = python(['-c', 'import torch, torchvision, numpy, PIL; print(torch.__version__, torchvision.__version__)']);
    if (r.status === 0) return;
    why = r.stderr.trim().split('\n').at(-1) ?? `exit status ${r.status}`;
  } catch (error) {
    why = (error as Error).message;
  }
  throw new Error(`the PyTorch export tests need torch and torchvision in ${PYTHON} (${why}): apt-get install python3-torch python3-torchvision, or set HEADSTART_PYTHON to a Python that has them`);
}

function ok(r: { status: number | null; stdout: string; stderr: string }): string {
  if (r.status !== 0) throw new Error(`python exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function writePng(path: string, rgba: Uint8Array, width: number, height: number): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  writeFileSync(path, PNG.sync.write(png));
}

function readPng(path: string): { rgba: Uint8Array; width: number; height: number } {
  const png = PNG.sync.read(readFileSync(path));
  return { rgba: new Uint8Array(png.data), width: png.width, height: png.height };
}

/** A 64×64 emoji (with alpha) scaled to 224×224 RGBA, as a decoder could hand it over. */
function emojiAt224(path: string): Uint8Array {
  const { rgba, width, height } = readPng(path);
  return tf.tidy(() => {
    const big = tf.image.resizeBilinear(tf.tensor3d(Float32Array.from(rgba), [height, width, 4]), [224, 224]);
    return Uint8Array.from(big.round().clipByValue(0, 255).dataSync());
  });
}

/** `rows` × 224 RGBA rows of seeded noise. */
function noiseRows(rows: number, seed: number): Uint8Array {
  const out = new Uint8Array(rows * 224 * 4);
  let s = seed;
  for (let i = 0; i < out.length; i++) out[i] = i % 4 === 3 ? 255 : (s = (s * 1103515245 + 12345) % 2 ** 31) >> 23;
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function probabilitiesOf(stdout: string): number[] {
  const out = JSON.parse(stdout) as { predictions: { probabilities: number[] }[] };
  return out.predictions.flatMap((p) => p.probabilities);
}

describe('writePytorch', () => {
  beforeAll(requireTorch);

  it('writes .npy files NumPy reads back exactly: shapes, values, headers aligned to 64 bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headstart-npy-'));
    const cases: [number[], Float32Array][] = [
      [[3], Float32Array.from([1.5, -2, 3e-8])],
      [[2, 3, 1, 1], Float32Array.from([0, 1, 2, 3, 4, Number.NaN])],
      [[], Float32Array.from([7])],
    ];
    cases.forEach(([shape, data], i) => writeFileSync(join(dir, `${i}.npy`), npy(shape, data)));
    const read = ok(python(['-c', `import numpy as np, json; print(json.dumps([[list(a.shape), str(a.dtype), [None if x != x else float(x) for x in a.ravel()]] for a in (np.load('${dir}/%d.npy' % i) for i in range(3))]))`]));
    expect(JSON.parse(read)).toEqual(cases.map(([shape, data]) => [shape, 'float32', Array.from(data, (x) => (Number.isNaN(x) ? null : x))]));
    for (const [shape, data] of cases) expect(npy(shape, data).length % 64).toBe((data.length * 4) % 64);
    rmSync(dir, { recursive: true, force: true });
    expect(() => npy([2, 2], new Float32Array(3))).toThrow('shape [2, 2] holds 4 values, 3 given');
  });

  it('has torchvision\'s mobilenet_v2 channel counts at width 1.4 and 1.0 (1792 and 1280 last), read from torchvision itself', () => {
    const read = ok(
      python(['-c', 'import json, torch.nn as nn\nfrom torchvision.models import mobilenet_v2\nprint(json.dumps([[[n, list(m.weight.shape), m.stride[0]] for n, m in mobilenet_v2(width_mult=w).features.named_modules() if isinstance(m, nn.Conv2d)] for w in (1.4, 1.0)]))']),
    );
    const torchvision = JSON.parse(read) as [string, number[], number][][];
    for (const [i, width] of [1.4, 1.0].entries()) {
      const ours = mobilenetV2Convs(width).map((c) => [`${c.name}`.replace(/^features\./, ''), c.depthwise ? [c.out, 1, c.kernel, c.kernel] : [c.out, c.in, c.kernel, c.kernel], c.stride]);
      expect(ours).toEqual(torchvision[i]);
    }
    expect(mobilenetV2Convs(1.4).at(-1)!.out).toBe(1792);
  });
});

describe('the export of a trained project, in PyTorch (twin + an adapted block + head, test-time flip)', () => {
  let project: TrainedProject;
  let twin: tf.LayersModel;
  let adapted: AdaptedBlocks;
  let net: Network;
  let exported: TorchExport;
  let dir: string;
  let model: string;
  /** The first image of the prediction test, and the script's answer for it. */
  let first: { file: string; probabilities: number[] } | undefined;

  beforeAll(async () => {
    requireTorch();
    await useWasm();
    project = await trainedProject();
    twin = await tf.loadLayersModel(diskModel(join(MODELS_DIR, BACKBONES.mobilenet_v2_140_layers.folder)));
    adapted = nudgedBlocks(twin, 1);
    net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'emoji', labels: project.labels, testTimeFlip: true, weights: adaptedWeights(adapted) });
    const started = performance.now();
    exported = writePytorch(net);
    const ms = performance.now() - started;
    dir = mkdtempSync(join(tmpdir(), 'headstart-torch-'));
    model = join(dir, 'model.npz');
    writeFileSync(model, exported.npz);
    console.log(`PyTorch export: ${(exported.npz.length / 2 ** 20).toFixed(2)} MiB (${exported.npz.length} bytes), written in ${ms.toFixed(0)} ms`);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    project?.dispose();
    if (adapted) disposeBlocks(adapted);
    twin?.dispose();
  });

  it('states its preprocessing in NCHW and names what the script builds', () => {
    expect(exported.statement).toEqual({ layout: 'NCHW', size: 224, fit: 'cover', scale: 1 / 255, offset: 0, labels: project.labels });
    expect(exported.network).toEqual({ format: 'headstart-torch', version: 1, architecture: 'mobilenet_v2', widthMult: 1.4, head: [1792, 100, project.labels.length], testTimeFlip: true });
  });

  it('predicts what the app and runNetwork predict, within 1e-4, on real images prepared from headstart.json alone', async () => {
    // Emoji with alpha (transparent on white), a photo (JPEG), and a taller photo whose centre square is taken.
    const inputs: { file: string; rgba: Uint8Array }[] = [];
    for (const path of ['test/face/blush.png', 'test/vehicle/' + readdirSync(join(FIXTURES, 'test', 'vehicle'))[0]]) {
      const rgba = emojiAt224(join(FIXTURES, path));
      const file = join(dir, path.replace(/\//g, '_'));
      writePng(file, rgba, 224, 224);
      inputs.push({ file, rgba });
    }
    const photos = join(ROOT, 'public', 'samples', 'tuxpaint-photos');
    const jpegs = ['bird', 'flower'].map((c) => join(photos, c, readdirSync(join(photos, c)).sort()[0]));
    // The app's decoder is the browser's; here PIL decodes the JPEG once and both sides read those pixels.
    ok(python(['-c', `import sys; from PIL import Image\nfor i, p in enumerate(sys.argv[1:]): Image.open(p).convert('RGBA').save('${dir}/jpeg%d.png' % i)`, ...jpegs]));
    const photo = readPng(join(dir, 'jpeg0.png'));
    expect([photo.width, photo.height]).toEqual([224, 224]);
    inputs.push({ file: jpegs[0], rgba: photo.rgba });
    const second = readPng(join(dir, 'jpeg1.png')).rgba;
    const tall = new Uint8Array([...noiseRows(18, 1), ...second, ...noiseRows(18, 2)]);
    writePng(join(dir, 'tall.png'), tall, 224, 260);
    const crop = centreSquare(224, 260);
    inputs.push({ file: join(dir, 'tall.png'), rgba: tall.slice(crop.y * 224 * 4, (crop.y + crop.height) * 224 * 4) });

    const before = tf.memory().numTensors;
    const pixels = tf.tensor4d(
      inputs.flatMap(({ rgba }) => Array.from(rgbaToPixels(rgba, 224))),
      [inputs.length, 224, 224, 3],
    );
    const reference = runNetwork(net, pixels);
    const app = appPredictAdapted(project.head, twin, adapted, pixels, true);
    const unadapted = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'plain', labels: project.labels, testTimeFlip: true });
    const plain = runNetwork(unadapted, pixels);
    const [ref, ours, plainValues] = [await reference.data(), await app.data(), await plain.data()];
    tf.dispose([pixels, reference, app, plain]);
    expect(tf.memory().numTensors).toBe(before);

    const started = performance.now();
    const r = python([SCRIPT, 'predict', model, ...inputs.map((i) => i.file), join(dir, 'model.npz'), '--json']);
    const ms = performance.now() - started;
    // The last "image" is not one: it is named, and the others are still answered.
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'model.npz')}: not a readable image`);
    const torch = probabilitiesOf(r.stdout);
    const diff = maxAbsDiff(torch, ref);
    console.log(`PyTorch vs runNetwork: max |diff| ${diff.toExponential(2)}; vs the app ${maxAbsDiff(torch, ours).toExponential(2)}; adapted vs plain blocks ${maxAbsDiff(ref, plainValues).toExponential(2)}; predict took ${ms.toFixed(0)} ms`);
    expect(diff).toBeLessThan(1e-4);
    expect(maxAbsDiff(torch, ours)).toBeLessThan(1e-4);
    const k = project.labels.length;
    expect(topClasses(torch, k)).toEqual(topClasses(ours, k));
    // The adapted block matters: without it the answers are further apart than the tolerance.
    expect(maxAbsDiff(ref, plainValues)).toBeGreaterThan(1e-3);
    const labels = JSON.parse(r.stdout).predictions.map((p: { label: string }) => p.label);
    expect(labels).toEqual(topClasses(ref, k).map((c) => project.labels[c]));

    first = { file: inputs[0].file, probabilities: torch.slice(0, k) };
    const text = ok(python([SCRIPT, 'predict', model, inputs[0].file]));
    expect(text).toMatch(new RegExp(`^${inputs[0].file}: ${labels[0]} \\d\\.\\d{4}`));
  }, 300_000);

  it('goes on training under torchrun with two processes (gloo, CPU): one epoch on the dataset zip lowers the loss', async () => {
    // The dataset zip as Headstart's "Export dataset" writes it: a folder per class, the original files.
    const classes = readdirSync(join(FIXTURES, 'test')).sort().map((name) => {
      const files = readdirSync(join(FIXTURES, 'test', name)).sort().map((f) => join(FIXTURES, 'test', name, f));
      return { name, files: files.map((f) => ({ name: f.slice(f.lastIndexOf('/') + 1), blob: new Blob([readFileSync(f)]) })) };
    });
    const zip = join(dir, 'dataset.zip');
    writeFileSync(zip, new Uint8Array(await (await writeDatasetZip(classes)).arrayBuffer()));
    const trained = join(dir, 'trained.npz');
    const started = performance.now();
    const r = python([
      '-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2', '--master_addr=127.0.0.1', `--master_port=${await freePort()}`,
      // torch 1.13's launcher on Python 3.11 fails on its own defaults (--redirects 0, --tee 0); these name a local rank (9) that is not started, so nothing is redirected.
      '--redirects', '9:1', '--tee', '9:1',
      SCRIPT, 'train', model, zip, '--epochs', '1', '--batch-size', '2', '--eval', '--json', '--device', 'cpu', '--out', trained,
    ]);
    const ms = performance.now() - started;
    const events = ok(r).trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number | string>);
    const evals = events.filter((e) => e.event === 'eval');
    const epoch = events.find((e) => e.event === 'epoch');
    console.log(`torchrun, 2 processes, 1 epoch on 6 images: ${(ms / 1000).toFixed(1)} s in all, the epoch's training ${Number(epoch?.seconds).toFixed(1)} s; loss over the dataset ${Number(evals[0]?.loss).toFixed(4)} → ${Number(evals[1]?.loss).toFixed(4)}`);
    expect(events.find((e) => e.event === 'start')).toMatchObject({ images: 6, processes: 2, device: 'cpu' });
    // Each process trains on its half, 3 images in batches of 2: 2 steps (rank 0's are printed).
    expect(events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2]);
    // Evaluated over all 6 images (each process its share) before and after the epoch.
    expect(evals.map((e) => [e.epoch, e.images])).toEqual([[0, 6], [1, 6]]);
    expect(evals[1].loss).toBeLessThan(evals[0].loss as number);
    expect(events.find((e) => e.event === 'saved')).toMatchObject({ path: trained });

    // The checkpoint is an export like the first: it predicts, and answers differently after training.
    first ??= { file: join(FIXTURES, 'test', 'face', 'blush.png'), probabilities: [] };
    if (first.probabilities.length === 0) first.probabilities = probabilitiesOf(ok(python([SCRIPT, 'predict', model, first.file, '--json'])));
    const after = probabilitiesOf(ok(python([SCRIPT, 'predict', trained, first.file, '--json'])));
    expect(maxAbsDiff(after, first.probabilities)).toBeGreaterThan(1e-3);
    expect(statSync(trained).size).toBeGreaterThan(exported.npz.length * 0.99);
    expect(existsSync(`${trained}.part`)).toBe(false);
  }, 300_000);
});

describe('networks the script cannot build are refused with a message', () => {
  beforeAll(useWasm);

  it('the script names a file that is not an export', () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'headstart-torch-bad-'));
    const notModel = join(dir, 'model.npz');
    writeFileSync(notModel, 'not a zip');
    const r = python([SCRIPT, 'predict', notModel, join(FIXTURES, 'test', 'face', 'blush.png')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${notModel}: not a Headstart PyTorch export (File is not a zip file)`);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('Keras MobileNetV2 1.0 with a one-layer head is width 1.0, head [1280, 2]; a wrong label count is named', async () => {
    const spec = BACKBONES.mobilenet_v2_100;
    const artifacts = await diskModel(join(MODELS_DIR, spec.folder)).load!();
    const head = createHead(1280, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 0 });
    const net = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'keras', labels: ['a', 'b'] });
    head.dispose();
    const { arrays, network } = torchWeights(net);
    expect(network).toMatchObject({ widthMult: 1, head: [1280, 2], testTimeFlip: false });
    expect(arrays.get('features.18.0.weight')!.shape).toEqual([1280, 320, 1, 1]);
    expect(arrays.get('input_affine.weight')!.data).toEqual(new Float32Array([1, 1, 1]));
    expect(() => torchWeights({ ...net, preprocessing: { ...net.preprocessing, labels: ['a', 'b', 'c'] } })).toThrow('the head answers 2 classes for 3 labels');
  });

  it('a network of another shape, or a flip that is not the same ops on the mirror', async () => {
    const artifacts = await diskModel(join(MODELS_DIR, BACKBONES.mobilenet_v2_140_layers.folder)).load!();
    const head = createHead(1792, 2, { ...DEFAULT_HEAD_SETTINGS, seed: 1 });
    const spec = BACKBONES.mobilenet_v2_140_layers;
    const plain = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'x', labels: ['a', 'b'] });
    const net = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'x', labels: ['a', 'b'], testTimeFlip: true });
    head.dispose();
    // A stride changed: not torchvision's layout.
    const conv = plain.ops.find((op) => op.output === 'expanded_conv_1_depthwise_relu6');
    if (conv?.op !== 'depthwiseConv2d') throw new Error('no expanded_conv_1_depthwise_relu6 in the twin');
    conv.strides = [1, 1];
    expect(() => torchWeights(plain)).toThrow(
      "the PyTorch export expects a depthwise 3×3 convolution, stride 2, 144 → 144 channels, relu6 (torchvision's features.2.conv.1.0 at width 1.4), found depthwiseConv2d → \"expanded_conv_1_depthwise_relu6\"",
    );
    // The mirrored branch with another weight: not the same network on the mirror.
    const other = { ...net, ops: net.ops.map((op) => ({ ...op }) as NetOp) };
    const mirrored = other.ops.find((op) => op.output === 'mirrored/Conv_1_relu6');
    if (mirrored?.op !== 'conv2d') throw new Error('no mirrored Conv_1 in the network');
    mirrored.activation = 'linear';
    expect(() => torchWeights(other)).toThrow('the mirrored branch does not repeat the network\'s ops with the same weights');
  });
});
