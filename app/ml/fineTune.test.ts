import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKBONES } from './backbones';
import { copyBlocks, disposeBlocks } from './blocks';
import { DEFAULT_FINE_TUNE_SETTINGS, createFineTuner, fineTune } from './fineTune';
import { memoryReport } from './fineTuneMemory';
import { DEFAULT_HEAD_SETTINGS, createHead, trainableVariables } from './head';
import { diskModel } from './testing';

// Fine-tuning through the real MobileNetV2 1.4 layers backbone (CPU backend).
const folder = join(__dirname, '..', '..', 'public', 'models', BACKBONES.mobilenet_v2_140_layers.folder);
const settings = { ...DEFAULT_FINE_TUNE_SETTINGS, epochs: 1, batchSize: 2, learningRate: 0.01 };
let model: tf.LayersModel;
let cut: tf.Tensor2D;
const labels = [0, 1];

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await tf.loadLayersModel(diskModel(folder));
  // Cut-point activations of two images (random: the frozen part is slow on the CPU backend, and
  // blocks.test.ts checks the real images' path); the weights they meet are the real ones.
  cut = tf.randomNormal([2, 7 * 7 * 224], 0, 1, 'float32', 3) as tf.Tensor2D;
}, 120_000);

afterAll(() => {
  cut?.dispose();
  model?.dispose();
});

const bytes = async (t: tf.Tensor) => Buffer.from((await t.data()).buffer);

describe('fine-tuning the last blocks', () => {
  it('a step changes every adapted variable, leaves every frozen backbone weight bit-identical, and the optimizer holds exactly the adapted + head variables', async () => {
    const frozen = model.weights.map((w) => w.read());
    const frozenBefore = await Promise.all(frozen.map(bytes));
    const adapted = copyBlocks(model, 2);
    const head = createHead(1792, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 8 });
    const trainable = [...adapted.variables, ...trainableVariables(head)];
    const before = await Promise.all(trainable.map(bytes));

    const outcome = await fineTune({ adapted, head, cut, rows: [0, 1], labels, numClasses: 2, settings });

    const after = await Promise.all(trainable.map(bytes));
    trainable.forEach((v, i) => expect(after[i].equals(before[i]), `${v.name} did not change`).toBe(false));
    const frozenAfter = await Promise.all(model.weights.map((w) => bytes(w.read())));
    frozenAfter.forEach((b, i) => expect(b.equals(frozenBefore[i]), `${model.weights[i].name} moved`).toBe(true));

    // Exactly the adapted blocks' and the head's variables, no backbone variable, nothing twice.
    expect(outcome.optimizer.varList).toEqual(trainable.map((v) => v.name));
    const backboneNames = new Set(model.weights.map((w) => (w.read() as tf.Variable).name));
    expect(outcome.optimizer.varList.filter((n) => backboneNames.has(n))).toEqual([]);
    // Adam: two float32 moments per trainable parameter, nothing for the frozen ones.
    const params = trainable.reduce((n, v) => n + v.size, 0);
    expect(params).toBe(adapted.variables.reduce((n, v) => n + v.size, 0) + head.countParams());
    expect(outcome.optimizer.bytes).toBe(2 * 4 * params);
    // What Under the hood / the bench report is what the optimizer holds.
    expect(memoryReport(model, 2, head).optimizerBytes).toBe(outcome.optimizer.bytes);
    head.dispose();
    disposeBlocks(adapted);
  }, 600_000);

  it('repeated steps do not leak tensors', () => {
    const adapted = copyBlocks(model, 1);
    const head = createHead(1792, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 8 });
    const tuner = createFineTuner(adapted, head, 2, settings);
    const run = () =>
      tf.tidy(() => {
        tuner.step(cut.slice([0, 0], [1, cut.shape[1]]), tf.tensor1d([1], 'int32'), tf.ones([1]) as tf.Tensor1D);
      });
    run();
    const count = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(count);
    tuner.dispose();
    head.dispose();
    disposeBlocks(adapted);
  }, 600_000);

  it('memory report: frozen and trainable parameters per layer, Adam bytes for the filtered list and for every variable', () => {
    const head = createHead(1792, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 8 });
    const all = model.countParams() + head.countParams();
    const headOnly = memoryReport(model, 0, head);
    expect([headOnly.trainableParams, headOnly.frozenParams, headOnly.cutLayer]).toEqual([head.countParams(), model.countParams(), null]);
    for (const blocks of [1, 2, 3]) {
      const report = memoryReport(model, blocks, head);
      const adapted = copyBlocks(model, blocks);
      expect(report.trainableParams).toBe(adapted.variables.reduce((n, v) => n + v.size, 0) + head.countParams());
      expect(report.frozenParams + report.trainableParams).toBe(all);
      expect(report.layers.filter((l) => l.trainable > 0 && !l.name.startsWith('head/')).length).toBe(3 * blocks + 1);
      expect(report.optimizerBytes).toBe(8 * report.trainableParams);
      expect(report.optimizerBytesIfAll).toBe(8 * all);
      disposeBlocks(adapted);
    }
    head.dispose();
  });
});
