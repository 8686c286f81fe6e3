import * as tf from '@tensorflow/tfjs';
import * as flatbuffers from 'flatbuffers';
import { unzipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLiteRtNode, patternImages, tinyNetwork } from '../../testing';
import type { Network } from '../network';
import { quantizeNetwork, SOFTMAX_OUTPUT } from '../quantize';
import { runNetwork } from '../run';
import * as tfl from './generated/model_generated';
import * as meta from './generated/metadata_generated';
import { HEADSTART_FILE, HEADSTART_METADATA, LABELS_FILE, TFLITE_METADATA, writeTflite } from './write';

function referenceProbabilities(net: Network, image: Uint8Array): Float32Array {
  const size = net.input.shape[1];
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(image, (p) => p * net.preprocessing.scale + net.preprocessing.offset), [1, size, size, 3]);
    return runNetwork(net, x).dataSync() as Float32Array;
  });
}

function parse(bytes: Uint8Array) {
  return tfl.Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
}

const argmax = (a: ArrayLike<number>) => Array.from(a).reduce((best, v, i, all) => (v > all[best] ? i : best), 0);

let lrt: Awaited<ReturnType<typeof loadLiteRtNode>>;

/** The file's answers for each image, run by LiteRT.js (TFLite's interpreter with XNNPack, in wasm). */
async function runTflite(bytes: Uint8Array, images: Uint8Array<ArrayBuffer>[], asInput: (image: Uint8Array<ArrayBuffer>) => Float32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>): Promise<Float32Array[]> {
  const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm' });
  try {
    const shape = model.getInputDetails()[0].shape;
    const answers: Float32Array[] = [];
    for (const image of images) {
      const input = new lrt.Tensor(asInput(image), [...shape]);
      const [out] = await model.run(input);
      answers.push(Float32Array.from(out.toTypedArray() as Float32Array));
      input.delete();
      out.delete();
    }
    return answers;
  } finally {
    model.delete();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  lrt = await loadLiteRtNode();
});

describe('writeTflite, float32', () => {
  const images = patternImages(4, 16, 11);
  const floatOf = (net: Network) => (image: Uint8Array) => Float32Array.from(image, (p) => p * net.preprocessing.scale + net.preprocessing.offset);

  it.each([false, true])('LiteRT.js runs it and answers as TF.js does (test-time flip %s)', async (flip) => {
    const net = tinyNetwork(flip);
    const before = tf.memory().numTensors;
    const expected = images.map((image) => referenceProbabilities(net, image));
    expect(tf.memory().numTensors).toBe(before);
    const answers = await runTflite(writeTflite(net), images, floatOf(net));
    answers.forEach((answer, i) => {
      expect(answer.length).toBe(3);
      expect(argmax(answer)).toBe(argmax(expected[i]));
      for (let c = 0; c < 3; c++) expect(Math.abs(answer[c] - expected[i][c])).toBeLessThan(1e-5);
    });
  });

  it('stores each weight once, in TFLite layouts, aligned to 16 bytes, with the op versions for float', () => {
    const net = tinyNetwork(true);
    const bytes = writeTflite(net);
    const model = parse(bytes);
    expect(tfl.Model.bufferHasIdentifier(new flatbuffers.ByteBuffer(bytes))).toBe(true);
    const graph = model.subgraphs(0)!;
    const names = Array.from({ length: graph.tensorsLength() }, (_, i) => graph.tensors(i)!.name());
    for (const name of Object.keys(net.weights)) expect(names.filter((n) => n === name)).toHaveLength(1);
    const c1 = graph.tensors(names.indexOf('c1/k'))!;
    expect(Array.from(c1.shapeArray()!)).toEqual([8, 3, 3, 3]);
    const d1 = graph.tensors(names.indexOf('d1/k'))!;
    expect(Array.from(d1.shapeArray()!)).toEqual([1, 3, 3, 8]);
    expect(Array.from(graph.tensors(names.indexOf('h1/k'))!.shapeArray()!)).toEqual([6, 8]);
    // Constant data sits 16-byte aligned in the file.
    const data = model.buffers(c1.buffer())!.dataArray()!;
    expect(data.byteOffset % 16).toBe(0);
    // Every weight's bytes once: the file is little more than the weights (float32).
    const weightBytes = Object.values(net.weights).reduce((s, w) => s + w.data.byteLength, 0);
    expect(model.buffersLength()).toBe(1 + Object.keys(net.weights).length + 4 + 2); // sentinel, weights, 4 axis constants, 2 metadata
    expect(weightBytes).toBeGreaterThan(0);
    const codes = Array.from({ length: model.operatorCodesLength() }, (_, i) => model.operatorCodes(i)!);
    expect(codes.map((c) => tfl.BuiltinOperator[c.builtinCode()]).sort()).toEqual(
      ['ADD', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'MEAN', 'REVERSE_V2', 'SOFTMAX'],
    );
    expect(codes.every((c) => c.version() === 1 && c.deprecatedBuiltinCode() === c.builtinCode())).toBe(true);
  });

  it('carries labels and normalisation in TFLite Metadata, and labels.txt + headstart.json in the appended zip', () => {
    const net = tinyNetwork(false);
    const bytes = writeTflite(net);
    const model = parse(bytes);
    const entries = Object.fromEntries(Array.from({ length: model.metadataLength() }, (_, i) => [model.metadata(i)!.name()!, model.metadata(i)!.buffer()]));
    // The statement as a metadata entry.
    const statement = JSON.parse(new TextDecoder().decode(model.buffers(entries[HEADSTART_METADATA])!.dataArray()!));
    expect(statement).toEqual(net.preprocessing);
    // ModelMetadata, as the Task Library and MediaPipe read it.
    const metaBytes = model.buffers(entries[TFLITE_METADATA])!.dataArray()!;
    const mmBuffer = new flatbuffers.ByteBuffer(metaBytes);
    expect(meta.ModelMetadata.bufferHasIdentifier(mmBuffer)).toBe(true);
    const mm = meta.ModelMetadata.getRootAsModelMetadata(mmBuffer);
    expect(mm.minParserVersion()).toBe('1.0.0');
    const sg = mm.subgraphMetadata(0)!;
    const input = sg.inputTensorMetadata(0)!;
    const properties = input.content()!.contentProperties(new meta.ImageProperties()) as meta.ImageProperties;
    expect(input.content()!.contentPropertiesType()).toBe(meta.ContentProperties.ImageProperties);
    expect(properties.colorSpace()).toBe(meta.ColorSpaceType.RGB);
    const unit = input.processUnits(0)!;
    expect(unit.optionsType()).toBe(meta.ProcessUnitOptions.NormalizationOptions);
    const norm = unit.options(new meta.NormalizationOptions()) as meta.NormalizationOptions;
    // (x − mean) / std = x / 255
    expect(Array.from(norm.meanArray()!)).toEqual([0]);
    expect(norm.stdArray()![0]).toBeCloseTo(255, 4);
    const labels = sg.outputTensorMetadata(0)!.associatedFiles(0)!;
    expect(labels.name()).toBe(LABELS_FILE);
    expect(labels.type()).toBe(meta.AssociatedFileType.TENSOR_AXIS_LABELS);
    // The appended zip, read from the whole file (its offsets count from the file's start), uncompressed.
    const files = unzipSync(bytes);
    expect(new TextDecoder().decode(files[LABELS_FILE])).toBe('cat\ndog\nbird\n');
    expect(JSON.parse(new TextDecoder().decode(files[HEADSTART_FILE]))).toEqual(net.preprocessing);
    // Stored, not deflated: the labels' bytes are in the file as they are (the Task Library reads them in place).
    expect(Buffer.from(bytes).indexOf('cat\ndog\nbird\n')).toBeGreaterThan(0);
  });
});

it("Python's zipfile, which TFLite Support's metadata tools read packed files with, finds labels.txt and headstart.json in the model", () => {
  const python = process.env.HEADSTART_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'headstart-tflite-'));
  try {
    const file = join(dir, 'model.tflite');
    writeFileSync(file, writeTflite(tinyNetwork(false)));
    const script = 'import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: [i.compress_type, z.read(i).decode()] for i in z.infolist()}))';
    const r = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${python} could not read the zip: ${r.error?.message ?? r.stderr}`);
    const files = JSON.parse(r.stdout) as Record<string, [number, string]>;
    expect(files['labels.txt']).toEqual([0, 'cat\ndog\nbird\n']);
    expect(JSON.parse(files['headstart.json'][1]).labels).toEqual(['cat', 'dog', 'bird']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('writeTflite, int8', () => {
  const calibration = patternImages(24, 16, 5);
  const held = patternImages(16, 16, 99);
  const toFloat = (net: Network) => (img: Uint8Array) => tf.tensor4d(Float32Array.from(img, (p) => p * net.preprocessing.scale), [1, 16, 16, 3]);

  it.each([false, true])('uint8 in, float32 out, int8 inside: LiteRT.js answers near the float network (flip %s)', async (flip) => {
    const net = tinyNetwork(flip);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const q = await quantizeNetwork(net, calibration.map(toFloat(net)), { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual(calibration.map((_, i) => i + 1));
    expect(tf.memory().numTensors).toBe(before);
    expect(q.activations.probabilities).toEqual(SOFTMAX_OUTPUT);
    const bytes = writeTflite(q);
    const model = parse(bytes);
    const graph = model.subgraphs(0)!;
    const input = graph.tensors(graph.inputs(0)!)!;
    const output = graph.tensors(graph.outputs(0)!)!;
    expect(input.type()).toBe(tfl.TensorType.UINT8);
    expect(output.type()).toBe(tfl.TensorType.FLOAT32);
    const statement = JSON.parse(new TextDecoder().decode(unzipSync(bytes)[HEADSTART_FILE]));
    expect(statement).toEqual({ ...net.preprocessing, scale: 1, offset: 0 });

    const expected = held.map((image) => referenceProbabilities(net, image));
    const answers = await runTflite(bytes, held, (image) => image);
    let agree = 0;
    let maxDiff = 0;
    answers.forEach((answer, i) => {
      if (argmax(answer) === argmax(expected[i])) agree++;
      for (let c = 0; c < 3; c++) maxDiff = Math.max(maxDiff, Math.abs(answer[c] - expected[i][c]));
    });
    // About one step of the output's int8 (1/256) off; a bias at 1.5× its scale was 4× further.
    expect(maxDiff).toBeLessThan(0.008);
    expect(agree).toBe(held.length);
  });
});

afterAll(() => {
  // LiteRT stays loaded for the process (it can be loaded once).
});
