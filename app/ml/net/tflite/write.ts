/**
 * A `Network` (or its int8 quantisation) as one `.tflite` file: TFLite's FlatBuffer with built-in ops only,
 * the labels and input normalisation in TFLite Metadata (what Android's Task Library and MediaPipe read),
 * Headstart's preprocessing statement as a "headstart" metadata entry, and labels.txt + headstart.json
 * packed as an uncompressed zip appended to the FlatBuffer, as TFLite's metadata populator packs
 * associated files. TF-free and DOM-free.
 *
 * Op mapping: conv2d → CONV_2D (kernel OHWI), depthwiseConv2d → DEPTHWISE_CONV_2D (kernel 1HWC), both with
 * ReLU6 fused and TFLite's 'SAME' padding (TensorFlow's); add → ADD; globalAveragePool → MEAN over H, W;
 * dense → FULLY_CONNECTED (kernel [out, in], ReLU fused); softmax → SOFTMAX; mirror → REVERSE_V2 on W;
 * average → CONCATENATION on the batch axis, then MEAN over it. A weight named by several ops is one tensor.
 * The int8 model adds QUANTIZE after its uint8 input and DEQUANTIZE before its float32 output.
 */
import * as flatbuffers from 'flatbuffers';
import { zipSync } from 'fflate';
import { tensorShapes, type NetOp, type Network, type Preprocessing } from '../network';
import type { QuantizedNetwork } from '../quantize';
import { littleEndian, transpose } from '../tensorBytes';
import * as tfl from './generated/model_generated';
import * as meta from './generated/metadata_generated';

/** The Model.metadata names Headstart writes. */
export const TFLITE_METADATA = 'TFLITE_METADATA';
export const HEADSTART_METADATA = 'headstart';
/** The files packed in the model (an uncompressed zip after the FlatBuffer). */
export const LABELS_FILE = 'labels.txt';
export const HEADSTART_FILE = 'headstart.json';

/** Output layout of each kind of weight: the permutation from TensorFlow's layout, and the op versions. */
const KERNEL_PERMUTATION: Record<string, number[]> = {
  // [kh, kw, in, out] → [out, kh, kw, in]; for a depthwise kernel [kh, kw, c, 1] → [1, kh, kw, c] (same order).
  conv2d: [3, 0, 1, 2],
  depthwiseConv2d: [3, 0, 1, 2],
  // [in, out] → [out, in]
  dense: [1, 0],
};

type Int8Model = QuantizedNetwork;

function isQuantized(model: Network | Int8Model): model is Int8Model {
  return 'float' in model;
}

/** The preprocessing statement a file states: the float net's, or raw pixels for a uint8 input. */
export function statedPreprocessing(model: Network | Int8Model): Preprocessing {
  return isQuantized(model) ? { ...model.float.preprocessing, scale: 1, offset: 0 } : { ...model.preprocessing };
}

interface TensorSpec {
  name: string;
  shape: number[];
  type: tfl.TensorType;
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; axis: number };
}

interface OpSpec {
  code: tfl.BuiltinOperator;
  version: number;
  inputs: number[];
  outputs: number[];
  options?: { type: tfl.BuiltinOptions; write: (b: flatbuffers.Builder) => number };
}

const ACTIVATION: Record<string, tfl.ActivationFunctionType> = {
  linear: tfl.ActivationFunctionType.NONE,
  relu: tfl.ActivationFunctionType.RELU,
  relu6: tfl.ActivationFunctionType.RELU6,
};

/** The graph (tensors and ops) of a float or int8 model, before serialisation. */
function buildGraph(model: Network | Int8Model): { tensors: TensorSpec[]; ops: OpSpec[]; input: number; output: number } {
  const q = isQuantized(model) ? model : undefined;
  const net = q ? q.float : (model as Network);
  const shapes = tensorShapes(net);
  const tensors: TensorSpec[] = [];
  const index = new Map<string, number>();
  const ops: OpSpec[] = [];
  const add = (spec: TensorSpec) => {
    if (index.has(spec.name)) throw new Error(`network ${net.name}: two tensors are named "${spec.name}"`);
    index.set(spec.name, tensors.length);
    tensors.push(spec);
    return tensors.length - 1;
  };
  const activationQuant = (name: string) => {
    const a = q!.activations[name];
    if (!a) throw new Error(`network ${net.name}: no int8 range for tensor "${name}"`);
    return { scale: [a.scale], zeroPoint: [a.zeroPoint], axis: 0 };
  };
  /** The tensor an op reads or writes for the net's tensor `name` (int8 names inside a quantised graph). */
  const inner = (name: string) => (q && (name === net.input.name || name === net.output) ? `${name}/int8` : name);
  const activation = (name: string) => {
    const key = inner(name);
    const found = index.get(key);
    if (found !== undefined) return found;
    const shape = shapes.get(name);
    if (!shape) throw new Error(`network ${net.name}: tensor "${name}" has no shape`);
    return add(q ? { name: key, shape, type: tfl.TensorType.INT8, quant: activationQuant(name) } : { name: key, shape, type: tfl.TensorType.FLOAT32 });
  };
  const weightKind = new Map<string, string>();
  const weight = (name: string, kind: 'conv2d' | 'depthwiseConv2d' | 'dense' | 'bias') => {
    const seen = weightKind.get(name);
    if (seen !== undefined && seen !== kind) throw new Error(`network ${net.name}: weight "${name}" is used as a ${seen} and a ${kind} weight`);
    weightKind.set(name, kind);
    const found = index.get(name);
    if (found !== undefined) return found;
    const w = net.weights[name];
    if (!w) throw new Error(`network ${net.name}: no weight "${name}"`);
    const perm = kind === 'bias' ? [0] : KERNEL_PERMUTATION[kind];
    if (w.shape.length !== perm.length) throw new Error(`network ${net.name}: weight "${name}" has shape [${w.shape.join(', ')}]`);
    const shape = perm.map((p) => w.shape[p]);
    if (!q) return add({ name, shape, type: tfl.TensorType.FLOAT32, data: littleEndian(transpose(w.data, w.shape, perm)) });
    const qw = q.weights[name];
    if (!qw) throw new Error(`network ${net.name}: weight "${name}" is not quantised`);
    const data = qw.data instanceof Int32Array ? littleEndian(qw.data) : littleEndian(transpose(qw.data, w.shape, perm));
    const type = qw.data instanceof Int32Array ? tfl.TensorType.INT32 : tfl.TensorType.INT8;
    return add({ name, shape, type, data, quant: { scale: Array.from(qw.scales), zeroPoint: Array.from(qw.scales, () => 0), axis: qw.axis < 0 ? 0 : perm.indexOf(qw.axis) } });
  };
  const int32Constant = (name: string, values: number[]) => add({ name, shape: [values.length], type: tfl.TensorType.INT32, data: littleEndian(Int32Array.from(values)) });
  const version = (float: number, int8: number) => (q ? int8 : float);

  // The input, and in an int8 model its QUANTIZE from uint8.
  const input = add(q
    ? { name: net.input.name, shape: [...net.input.shape], type: tfl.TensorType.UINT8, quant: { scale: [q.input.scale], zeroPoint: [q.input.zeroPoint], axis: 0 } }
    : { name: net.input.name, shape: [...net.input.shape], type: tfl.TensorType.FLOAT32 });
  if (q) ops.push({ code: tfl.BuiltinOperator.QUANTIZE, version: 1, inputs: [input], outputs: [activation(net.input.name)] });

  for (const op of net.ops) ops.push(...opSpecs(op));

  let output = activation(net.output);
  if (q) {
    const float = add({ name: net.output, shape: shapes.get(net.output)!, type: tfl.TensorType.FLOAT32 });
    ops.push({ code: tfl.BuiltinOperator.DEQUANTIZE, version: 2, inputs: [output], outputs: [float] });
    output = float;
  }
  return { tensors, ops, input, output };

  function opSpecs(op: NetOp): OpSpec[] {
    switch (op.op) {
      case 'conv2d':
      case 'depthwiseConv2d': {
        const inputs = [activation(op.input), weight(op.kernel, op.op), weight(op.bias, 'bias')];
        const padding = op.padding === 'same' ? tfl.Padding.SAME : tfl.Padding.VALID;
        const fused = ACTIVATION[op.activation];
        const [strideH, strideW] = op.strides;
        if (op.op === 'conv2d') {
          return [{
            code: tfl.BuiltinOperator.CONV_2D, version: version(1, 3), inputs, outputs: [activation(op.output)],
            options: { type: tfl.BuiltinOptions.Conv2DOptions, write: (b) => tfl.Conv2DOptions.createConv2DOptions(b, padding, strideW, strideH, fused, 1, 1) },
          }];
        }
        return [{
          code: tfl.BuiltinOperator.DEPTHWISE_CONV_2D, version: version(1, 3), inputs, outputs: [activation(op.output)],
          options: { type: tfl.BuiltinOptions.DepthwiseConv2DOptions, write: (b) => tfl.DepthwiseConv2DOptions.createDepthwiseConv2DOptions(b, padding, strideW, strideH, 1, fused, 1, 1) },
        }];
      }
      case 'add':
        return [{
          code: tfl.BuiltinOperator.ADD, version: version(1, 2), inputs: op.inputs.map(activation), outputs: [activation(op.output)],
          options: { type: tfl.BuiltinOptions.AddOptions, write: (b) => tfl.AddOptions.createAddOptions(b, tfl.ActivationFunctionType.NONE) },
        }];
      case 'globalAveragePool':
        return [mean(activation(op.input), int32Constant(`${op.output}/axes`, [1, 2]), activation(op.output), false)];
      case 'dense':
        return [{
          code: tfl.BuiltinOperator.FULLY_CONNECTED, version: version(1, 4),
          inputs: [activation(op.input), weight(op.kernel, 'dense'), weight(op.bias, 'bias')], outputs: [activation(op.output)],
          options: { type: tfl.BuiltinOptions.FullyConnectedOptions, write: (b) => tfl.FullyConnectedOptions.createFullyConnectedOptions(b, ACTIVATION[op.activation]) },
        }];
      case 'softmax':
        return [{
          code: tfl.BuiltinOperator.SOFTMAX, version: version(1, 2), inputs: [activation(op.input)], outputs: [activation(op.output)],
          options: { type: tfl.BuiltinOptions.SoftmaxOptions, write: (b) => tfl.SoftmaxOptions.createSoftmaxOptions(b, 1) },
        }];
      case 'mirror':
        return [{
          code: tfl.BuiltinOperator.REVERSE_V2, version: version(1, 3),
          inputs: [activation(op.input), int32Constant(`${op.output}/axis`, [2])], outputs: [activation(op.output)],
        }];
      case 'average': {
        const parts = op.inputs.map(activation);
        const shape = tensors[parts[0]].shape;
        if (shape[0] !== 1) throw new Error(`network ${net.name}: "${op.output}" averages tensors of batch ${shape[0]}`);
        const stackedName = `${op.output}/stacked`;
        const stacked = add({ ...tensors[parts[0]], name: stackedName, shape: [parts.length, ...shape.slice(1)], data: undefined });
        return [
          {
            code: tfl.BuiltinOperator.CONCATENATION, version: version(1, 2), inputs: parts, outputs: [stacked],
            options: { type: tfl.BuiltinOptions.ConcatenationOptions, write: (b) => tfl.ConcatenationOptions.createConcatenationOptions(b, 0, tfl.ActivationFunctionType.NONE) },
          },
          mean(stacked, int32Constant(`${op.output}/axes`, [0]), activation(op.output), true),
        ];
      }
    }
  }

  function mean(x: number, axes: number, out: number, keepDims: boolean): OpSpec {
    return {
      code: tfl.BuiltinOperator.MEAN, version: version(1, 2), inputs: [x, axes], outputs: [out],
      options: { type: tfl.BuiltinOptions.ReducerOptions, write: (b) => tfl.ReducerOptions.createReducerOptions(b, keepDims) },
    };
  }
}

function tensorMetadata(b: flatbuffers.Builder, fields: { name: number; description: number; content: number; processUnits?: number; stats: number; associatedFiles?: number }): number {
  meta.TensorMetadata.startTensorMetadata(b);
  meta.TensorMetadata.addName(b, fields.name);
  meta.TensorMetadata.addDescription(b, fields.description);
  meta.TensorMetadata.addContent(b, fields.content);
  if (fields.processUnits) meta.TensorMetadata.addProcessUnits(b, fields.processUnits);
  meta.TensorMetadata.addStats(b, fields.stats);
  if (fields.associatedFiles) meta.TensorMetadata.addAssociatedFiles(b, fields.associatedFiles);
  return meta.TensorMetadata.endTensorMetadata(b);
}

/** ModelMetadata (the "M001" FlatBuffer): image input with its normalisation, scores with their labels. */
function metadataBuffer(net: Network, stated: Preprocessing): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const str = (s: string) => b.createString(s);
  const file = (name: string, description: string, type: meta.AssociatedFileType) =>
    meta.AssociatedFile.createAssociatedFile(b, str(name), str(description), type);
  const floatVector = (values: number[]) => meta.NormalizationOptions.createMeanVector(b, values);

  // (x − mean) / std = x × scale + offset for the float network's input.
  const { scale, offset } = net.preprocessing;
  const normalization = meta.NormalizationOptions.createNormalizationOptions(b, floatVector([0 - offset / scale]), floatVector([1 / scale]));
  const inputUnit = meta.ProcessUnit.createProcessUnit(b, meta.ProcessUnitOptions.NormalizationOptions, normalization);
  const [, height, width] = net.input.shape;
  const size = meta.ImageSize.createImageSize(b, width, height);
  meta.ImageProperties.startImageProperties(b);
  meta.ImageProperties.addColorSpace(b, meta.ColorSpaceType.RGB);
  meta.ImageProperties.addDefaultSize(b, size);
  const imageProperties = meta.ImageProperties.endImageProperties(b);
  const inputContent = meta.Content.createContent(b, meta.ContentProperties.ImageProperties, imageProperties);
  const inputStats = meta.Stats.createStats(b, floatVector([255]), floatVector([0]));
  const inputDescription = stated.scale === 1 && stated.offset === 0
    ? 'RGB pixels 0–255 (uint8) of the centred square of the image, resized; transparent pixels on white.'
    : `RGB pixels 0–255 × ${stated.scale} + ${stated.offset}, of the centred square of the image, resized; transparent pixels on white.`;
  const inputMeta = tensorMetadata(b, {
    name: str('image'), description: str(inputDescription), content: inputContent,
    processUnits: meta.TensorMetadata.createProcessUnitsVector(b, [inputUnit]), stats: inputStats,
  });

  const outputContent = meta.Content.createContent(b, meta.ContentProperties.FeatureProperties, (meta.FeatureProperties.startFeatureProperties(b), meta.FeatureProperties.endFeatureProperties(b)));
  const outputStats = meta.Stats.createStats(b, floatVector([1]), floatVector([0]));
  const labels = file(LABELS_FILE, 'The class of each score, one per line.', meta.AssociatedFileType.TENSOR_AXIS_LABELS);
  const outputMeta = tensorMetadata(b, {
    name: str('probability'), description: str('The probability of each class, in the order of labels.txt.'), content: outputContent,
    stats: outputStats, associatedFiles: meta.TensorMetadata.createAssociatedFilesVector(b, [labels]),
  });

  const subgraph = meta.SubGraphMetadata.createSubGraphMetadata(b, str('image_classifier'), 0,
    meta.SubGraphMetadata.createInputTensorMetadataVector(b, [inputMeta]),
    meta.SubGraphMetadata.createOutputTensorMetadataVector(b, [outputMeta]));
  const statement = file(HEADSTART_FILE, "Headstart's preprocessing statement: how an image becomes this model's input, and the labels.", meta.AssociatedFileType.DESCRIPTIONS);
  const root = meta.ModelMetadata.createModelMetadata(b, str(net.name),
    str(`Image classifier trained in Headstart on ${net.preprocessing.labels.length} classes: ${net.preprocessing.labels.join(', ')}.`),
    str('1'), meta.ModelMetadata.createSubgraphMetadataVector(b, [subgraph]), str('Headstart'), 0,
    meta.ModelMetadata.createAssociatedFilesVector(b, [statement]), str('1.0.0'));
  meta.ModelMetadata.finishModelMetadataBuffer(b, root);
  return b.asUint8Array();
}

/** A zip of `files`, uncompressed, whose offsets count from `base` (where it will sit in the file). */
function storedZipAt(files: Record<string, Uint8Array>, base: number): Uint8Array {
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([name, data]) => [name, [data, { level: 0 }]])));
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22; // no archive comment
  if (view.getUint32(end, true) !== 0x06054b50) throw new Error('zip: no end of central directory record');
  const entries = view.getUint16(end + 10, true);
  let p = view.getUint32(end + 16, true);
  for (let i = 0; i < entries; i++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error('zip: bad central directory');
    view.setUint32(p + 42, view.getUint32(p + 42, true) + base, true);
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  view.setUint32(end + 16, view.getUint32(end + 16, true) + base, true);
  return zip;
}

/** The `.tflite` bytes of a float32 network or of its int8 quantisation. */
export function writeTflite(model: Network | Int8Model): Uint8Array {
  const net = isQuantized(model) ? model.float : model;
  const stated = statedPreprocessing(model);
  const statement = new TextEncoder().encode(JSON.stringify(stated, null, 2) + '\n');
  const graph = buildGraph(model);
  // Constant data, plus per-channel quantisation (a float scale and an int64 zero point each), sizes the builder once.
  const weightBytes = graph.tensors.reduce((sum, t) => sum + (t.data?.length ?? 0) + 16 + (t.quant ? 12 * t.quant.scale.length + 64 : 0), 0);
  const b = new flatbuffers.Builder(weightBytes + 64 * 1024 + 256 * graph.tensors.length);

  // Buffers: 0 empty; then each constant tensor's; then the metadata's.
  const bufferData: Uint8Array[] = [];
  const bufferOf = graph.tensors.map((t) => (t.data ? bufferData.push(t.data) : 0));
  const metadataIndex = bufferData.push(metadataBuffer(net, stated));
  const statementIndex = bufferData.push(statement);
  const buffers = [tfl.Buffer.createBuffer(b, 0)];
  for (const data of bufferData) {
    b.prep(16, data.length); // TFLite aligns buffers to 16 bytes
    buffers.push(tfl.Buffer.createBuffer(b, b.createByteVector(data)));
  }

  const tensors = graph.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = tfl.Tensor.createShapeVector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const scale = tfl.QuantizationParameters.createScaleVector(b, t.quant.scale);
      const zeroPoint = tfl.QuantizationParameters.createZeroPointVector(b, t.quant.zeroPoint.map((z) => BigInt(z)));
      tfl.QuantizationParameters.startQuantizationParameters(b);
      tfl.QuantizationParameters.addScale(b, scale);
      tfl.QuantizationParameters.addZeroPoint(b, zeroPoint);
      tfl.QuantizationParameters.addQuantizedDimension(b, t.quant.axis);
      quant = tfl.QuantizationParameters.endQuantizationParameters(b);
    }
    tfl.Tensor.startTensor(b);
    tfl.Tensor.addShape(b, shape);
    tfl.Tensor.addType(b, t.type);
    tfl.Tensor.addBuffer(b, bufferOf[i]);
    tfl.Tensor.addName(b, name);
    if (quant) tfl.Tensor.addQuantization(b, quant);
    return tfl.Tensor.endTensor(b);
  });

  const codes: { code: tfl.BuiltinOperator; version: number }[] = [];
  const codeIndex = (code: tfl.BuiltinOperator, version: number) => {
    const found = codes.findIndex((c) => c.code === code && c.version === version);
    return found >= 0 ? found : codes.push({ code, version }) - 1;
  };
  const operators = graph.ops.map((op) => {
    const opcode = codeIndex(op.code, op.version);
    const inputs = tfl.Operator.createInputsVector(b, op.inputs);
    const outputs = tfl.Operator.createOutputsVector(b, op.outputs);
    const options = op.options ? op.options.write(b) : 0;
    return tfl.Operator.createOperator(b, opcode, inputs, outputs, op.options ? op.options.type : tfl.BuiltinOptions.NONE, options);
  });
  const operatorCodes = codes.map(({ code, version }) => tfl.OperatorCode.createOperatorCode(b, Math.min(code, 127), 0, version, code));

  const subgraph = tfl.SubGraph.createSubGraph(b,
    tfl.SubGraph.createTensorsVector(b, tensors),
    tfl.SubGraph.createInputsVector(b, [graph.input]),
    tfl.SubGraph.createOutputsVector(b, [graph.output]),
    tfl.SubGraph.createOperatorsVector(b, operators),
    b.createString('main'));
  const signature = tfl.SignatureDef.createSignatureDef(b,
    tfl.SignatureDef.createInputsVector(b, [tfl.TensorMap.createTensorMap(b, b.createString(net.input.name), graph.input)]),
    tfl.SignatureDef.createOutputsVector(b, [tfl.TensorMap.createTensorMap(b, b.createString(net.output), graph.output)]),
    b.createString('serving_default'), 0);
  const metadata = [
    tfl.Metadata.createMetadata(b, b.createString(TFLITE_METADATA), metadataIndex),
    tfl.Metadata.createMetadata(b, b.createString(HEADSTART_METADATA), statementIndex),
  ];
  const root = tfl.Model.createModel(b, 3,
    tfl.Model.createOperatorCodesVector(b, operatorCodes),
    tfl.Model.createSubgraphsVector(b, [subgraph]),
    b.createString(`Headstart image classifier (${isQuantized(model) ? 'int8' : 'float32'})`),
    tfl.Model.createBuffersVector(b, buffers), 0,
    tfl.Model.createMetadataVector(b, metadata),
    tfl.Model.createSignatureDefsVector(b, [signature]));
  tfl.Model.finishModelBuffer(b, root);
  const flat = b.asUint8Array();

  const labels = new TextEncoder().encode(net.preprocessing.labels.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n') + '\n');
  const zip = storedZipAt({ [LABELS_FILE]: labels, [HEADSTART_FILE]: statement }, flat.length);
  const file = new Uint8Array(flat.length + zip.length);
  file.set(flat);
  file.set(zip, flat.length);
  return file;
}
