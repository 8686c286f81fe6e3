/**
 * A `Network` as an ONNX model (opset 13), written with onnx-buf (ONNX's own onnx.proto compiled for
 * protobuf-es). The input is NCHW float `image` [batch, 3, size, size] with a symbolic batch; the ops are
 * Conv (a depthwise convolution is a Conv with group = channels) with TensorFlow's 'same' padding as
 * explicit, possibly asymmetric pads, Clip 0–6 for ReLU6, Add, GlobalAveragePool + Flatten, Gemm, Relu,
 * Softmax on axis 1, the test-time flip's mirror as a Slice with step −1 along W, and Mean for its
 * average. Each weight is one initializer, however many nodes read it. The preprocessing statement goes
 * in `metadata_props` under `headstart`. TF-free and DOM-free.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { nchwPreprocessing, samePadding, tensorShapes, type Network, type Weight } from './network';
import { littleEndian } from './tensorBytes';

export const ONNX_OPSET = 13;
/** IR version 7: the one opset 13 came with, so older runtimes and checkers read the file too. */
export const ONNX_IR_VERSION = 7;
/** The `metadata_props` key of the preprocessing statement. */
export const PREPROCESSING_KEY = 'headstart';

export interface OnnxOptions {
  producerVersion?: string;
}

function floatTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${values.length} values for [${dims.join(', ')}]`);
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.FLOAT, rawData: littleEndian(values) });
}

function int64Tensor(name: string, values: bigint[]): TensorProto {
  return create(TensorProtoSchema, { name, dims: [BigInt(values.length)], dataType: TensorProto_DataType.INT64, int64Data: values });
}

/** A TF kernel in ONNX's layout: conv2d [kh, kw, in, out] → [out, in, kh, kw]; depthwise [kh, kw, c, 1] → [c, 1, kh, kw]. */
function convWeight(weight: Weight, depthwise: boolean): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, cout] = weight.shape;
  const out = depthwise ? cin : cout;
  const inner = depthwise ? 1 : cin;
  const values = new Float32Array(weight.data.length);
  // TF index ((y · kw + x) · cin + i) · cout + o; ONNX index ((o · inner + i) · kh + y) · kw + x.
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          const [onnxOut, onnxIn] = depthwise ? [i, 0] : [o, i];
          values[((onnxOut * inner + onnxIn) * kh + y) * kw + x] = weight.data[((y * kw + x) * cin + i) * cout + o];
        }
      }
    }
  }
  return { dims: [out, inner, kh, kw], values };
}

const ints = (name: string, values: number[]): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: values.map(BigInt) });
const int = (name: string, value: number): AttributeProto => create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });

function node(opType: string, name: string, input: string[], output: string[], attribute: AttributeProto[] = []): NodeProto {
  return create(NodeProtoSchema, { opType, name, input, output, attribute });
}

function floatValue(name: string, dims: (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }));
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType: TensorProto_DataType.FLOAT, shape: create(TensorShapeProtoSchema, { dim }) }) } }),
  });
}

/** The ONNX model of `net`, as the bytes of a .onnx file. */
export function writeOnnx(net: Network, options: OnnxOptions = {}): Uint8Array {
  const shapes = tensorShapes(net);
  const [, size, width, channels] = net.input.shape;
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const stored = new Set<string>();
  /** The initializer holding weight `name` in the layout `convert` gives, added once. */
  const weight = (name: string, convert: (w: Weight) => { dims: number[]; values: Float32Array } = (w) => ({ dims: w.shape, values: w.data })) => {
    if (!stored.has(name)) {
      const w = net.weights[name];
      if (!w) throw new Error(`network ${net.name}: no weight "${name}"`);
      const { dims, values } = convert(w);
      initializers.push(floatTensor(name, dims, values));
      stored.add(name);
    }
    return name;
  };
  const constant = (name: string, make: () => TensorProto) => {
    if (!stored.has(name)) {
      initializers.push(make());
      stored.add(name);
    }
    return name;
  };
  const clipMin = () => constant('relu6/min', () => floatTensor('relu6/min', [], new Float32Array([0])));
  const clipMax = () => constant('relu6/max', () => floatTensor('relu6/max', [], new Float32Array([6])));

  for (const op of net.ops) {
    switch (op.op) {
      case 'conv2d':
      case 'depthwiseConv2d': {
        const depthwise = op.op === 'depthwiseConv2d';
        const [, h, w] = shapes.get(op.input)!;
        const [kh, kw, inChannels] = net.weights[op.kernel].shape;
        const [top, bottom] = op.padding === 'same' ? samePadding(h, kh, op.strides[0]) : [0, 0];
        const [left, right] = op.padding === 'same' ? samePadding(w, kw, op.strides[1]) : [0, 0];
        const linear = op.activation === 'relu6' ? `${op.output}/linear` : op.output;
        nodes.push(
          node('Conv', op.output, [op.input, weight(op.kernel, (k) => convWeight(k, depthwise)), weight(op.bias)], [linear], [
            ints('kernel_shape', [kh, kw]),
            ints('strides', op.strides),
            ints('pads', [top, left, bottom, right]),
            ints('dilations', [1, 1]),
            int('group', depthwise ? inChannels : 1),
          ]),
        );
        if (op.activation === 'relu6') nodes.push(node('Clip', `${op.output}/relu6`, [linear, clipMin(), clipMax()], [op.output]));
        break;
      }
      case 'add':
        nodes.push(node('Add', op.output, [...op.inputs], [op.output]));
        break;
      case 'globalAveragePool':
        nodes.push(node('GlobalAveragePool', op.output, [op.input], [`${op.output}/nchw`]));
        nodes.push(node('Flatten', `${op.output}/flatten`, [`${op.output}/nchw`], [op.output], [int('axis', 1)]));
        break;
      case 'dense': {
        const linear = op.activation === 'relu' ? `${op.output}/linear` : op.output;
        // Gemm: input [n, in] · B [in, out] (TF's dense layout, transB = 0) + C [out].
        nodes.push(node('Gemm', op.output, [op.input, weight(op.kernel), weight(op.bias)], [linear]));
        if (op.activation === 'relu') nodes.push(node('Relu', `${op.output}/relu`, [linear], [op.output]));
        break;
      }
      case 'softmax':
        nodes.push(node('Softmax', op.output, [op.input], [op.output], [int('axis', 1)]));
        break;
      case 'mirror': {
        // W is axis 3 of NCHW: from the last column back through the first (INT64_MIN: past the start, whatever the width).
        const starts = constant('mirror/starts', () => int64Tensor('mirror/starts', [-1n]));
        const ends = constant('mirror/ends', () => int64Tensor('mirror/ends', [-(2n ** 63n)]));
        const axes = constant('mirror/axes', () => int64Tensor('mirror/axes', [3n]));
        const steps = constant('mirror/steps', () => int64Tensor('mirror/steps', [-1n]));
        nodes.push(node('Slice', op.output, [op.input, starts, ends, axes, steps], [op.output]));
        break;
      }
      case 'average':
        nodes.push(node('Mean', op.output, [...op.inputs], [op.output]));
        break;
    }
  }

  const classes = shapes.get(net.output)![1];
  const preprocessing = nchwPreprocessing(net);
  const graph = create(GraphProtoSchema, {
    name: net.name,
    node: nodes,
    initializer: initializers,
    input: [floatValue(net.input.name, ['batch', channels, size, width])],
    output: [floatValue(net.output, ['batch', classes])],
    docString: `Class probabilities in label order for RGB images, NCHW, pixel (0–255) × ${preprocessing.scale} + ${preprocessing.offset}; metadata "${PREPROCESSING_KEY}" states it.`,
  });
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(ONNX_IR_VERSION),
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(ONNX_OPSET) })],
    producerName: 'headstart',
    producerVersion: options.producerVersion ?? '',
    modelVersion: 1n,
    docString: `${net.name}: an image classifier trained in Headstart (${preprocessing.labels.length} classes).`,
    graph,
    metadataProps: [
      create(StringStringEntryProtoSchema, { key: PREPROCESSING_KEY, value: JSON.stringify(preprocessing) }),
      create(StringStringEntryProtoSchema, { key: 'labels', value: preprocessing.labels.join('\n') }),
    ],
  });
  return toBinary(ModelProtoSchema, model);
}
