import type { ReactNode } from 'react';
import { useLabelCheck } from '../state/labelCheck';
import { useStore } from '../state/store';
import { LayerTable } from './LayerTable';
import { megabytes } from './format';
import { adaptChoiceSentences } from './adaptStatus';

const n = (x: number) => x.toLocaleString('en-US');
const mb = (bytes: number) => megabytes(bytes, 2);

/** One figure: the precise value for practitioners, then one sentence of plain language. */
function Figure({ term, plain, children, testId }: { term: string; plain: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>
        <span data-testid={testId}>{children}</span>
        <span className="plain">{plain}</span>
      </dd>
    </>
  );
}

/**
 * The optimizer's state had it been handed the frozen weights too: as many bytes per parameter as it
 * holds for the head's (Adam: two float32 moments), times every parameter.
 */
export function optimizerBytesIfAll(bytes: number, trainable: number, frozen: number): number {
  return trainable > 0 ? bytes + (bytes / trainable) * frozen : 0;
}

/** What transfer learning is doing, with live numbers from the worker. */
export function UnderTheHood() {
  const info = useStore((s) => s.model.info);
  const summary = useStore((s) => s.training.summary);
  const memory = useStore((s) => s.memory);
  const check = useLabelCheck((s) => s.result);
  const choice = info?.choice;
  const measured = choice ? Object.entries(choice.measuredMs).map(([b, ms]) => `${b} ${ms.toFixed(0)} ms/image`) : [];
  return (
    <details className="panel under-the-hood" data-testid="under-the-hood">
      <summary>Under the hood</summary>
      <p>
        Feature extraction: the pre-trained backbone is <strong>frozen</strong>. Its early layers already detect general shapes and
        textures learned from ImageNet, so each of your images is run through it once and its embedding (a vector of{' '}
        {info ? n(info.backbone.featureDim) : '…'} numbers) is cached on the {choice?.backend ?? '…'} backend. Only a new, small
        head sized to your classes is trained, and the optimizer is handed only the head's variables: no gradients or optimizer state are
        spent on frozen weights.
      </p>
      <dl>
        <Figure term="Backend" testId="backend" plain="The part of your browser that does the arithmetic: the graphics card (webgpu, webgl) or the processor (wasm, cpu).">
          {choice?.backend ?? '…'}
        </Figure>
        <dt>Why this backend</dt>
        <dd>
          <span className="backend-reason">{choice?.reason ?? '…'}</span>
          {measured.length > 0 && ` (measured: ${measured.join(', ')})`}
          <span className="plain">Headstart tried what this device offers and kept the fastest.</span>
        </dd>
        <Figure term="Model load" plain="How long it took to get the pre-trained model ready on this device.">
          {info ? `${(info.loadMs / 1000).toFixed(1)} s` : '…'}
        </Figure>
        <Figure term="Backbone" plain="The pre-trained network that turns each picture into a list of numbers describing it.">
          {info ? `${info.backbone.label}, input ${info.backbone.inputSize}×${info.backbone.inputSize}` : '…'}
        </Figure>
        <Figure term="Frozen parameters" testId="frozen-params" plain="Numbers the model learned before, from millions of photos; your training never changes them.">
          {summary?.adapted ? n(summary.params.frozen) : info ? n(info.backbone.paramCount) : '…'}
        </Figure>
        {summary?.adapted && (
          <Figure
            term="Adapted blocks"
            testId="adapted-blocks"
            plain="The backbone's last layers that learned from your images too, starting from what they knew; the rest stayed frozen."
          >
            {`${summary.adapted.blocks} (${summary.adapted.parts.join(', ')}): ${summary.adapted.epochsRun} epochs in ${(summary.adapted.ms / 1000).toFixed(1)} s, from ${mb(summary.adapted.cutBytes)} of cached activations`}
          </Figure>
        )}
        {summary?.adaptChoice && (
          <Figure
            term="Adapting"
            plain="Adapt: auto trains the head alone and the adapted network on the same images, and keeps the one that answers more of the held-out images right."
          >
            <span data-testid="adapt-choice-hood">{adaptChoiceSentences(summary.adaptChoice).join(' ')}</span>
          </Figure>
        )}
        {summary?.augmented && (
          <Figure
            term="Augmented views"
            testId="augmented-views"
            plain="Each image was also shown to the backbone changed a little (cropped, turned, recoloured or mirrored), once ever; the head learned from one of its versions each pass."
          >
            {`${summary.augmented.views} per image (${summary.augmented.kinds.join(', ') || 'unchanged'}) for ${n(summary.augmented.images)} images: ${n(summary.augmented.images * summary.augmented.views)} embeddings, ${mb(summary.augmented.bytes)}; ${n(summary.augmented.computed)} computed for this training in ${(summary.augmented.ms / 1000).toFixed(1)} s, ${n(summary.augmented.loaded)} read back from storage`}
          </Figure>
        )}
        {summary?.trainedApart && (
          <Figure
            term="Head trained on"
            testId="trained-apart"
            plain="The head's training is many small steps, and splitting each over several threads costs more than it saves; so it ran on one thread of its own, while the backbone keeps every thread."
          >
            wasm, 1 thread, in a worker of its own
          </Figure>
        )}
        <Figure term="Trainable parameters" testId="trainable-params" plain="The only numbers your training adjusts: far fewer, which is why it takes seconds.">
          {summary ? n(summary.params.trainable) : 'train to see'}
        </Figure>
        <Figure
          term="Optimizer"
          testId="optimizer"
          plain="The method that nudges the trainable numbers after each batch of images. It keeps two running averages per number it is handed, so handing it only the head saves memory."
        >
          {summary ? `${summary.optimizer.name} over ${summary.optimizer.varList.length} variables: ${summary.optimizer.variables} moment tensors, ${mb(summary.optimizer.bytes)}` : '…'}
        </Figure>
        <Figure
          term="Optimizer if handed every variable"
          testId="optimizer-if-all"
          plain="What the same optimizer would hold if the frozen backbone's numbers were handed to it too, as a careless setup would."
        >
          {summary && info ? mb(optimizerBytesIfAll(summary.optimizer.bytes, summary.params.trainable, summary.adapted ? summary.params.frozen : info.backbone.paramCount)) : '…'}
        </Figure>
        <Figure term="Embedding cache" testId="embedding-cache" plain="Each picture is described once and the description kept, so training again is quick. Its mirror image is described too, a little later, so the model learns that left and right do not matter.">
          {memory
            ? `${n(memory.cachedEmbeddings)} images, ${mb(memory.cacheBytes)}; ${n(memory.embeddingsComputed)} backbone runs so far` +
              `; mirrored: ${n(memory.mirrorsComputed)} computed so far` +
              (memory.mirrorsOwed > 0 ? `, ${n(memory.mirrorsOwed)} still to compute (while the app is idle, or before training)` : '') +
              (memory.augmentedViews > 0 || memory.viewsComputed > 0 ? `; augmented views: ${n(memory.augmentedViews)} kept, ${mb(memory.augmentedBytes)}, ${n(memory.viewsComputed)} computed so far` : '') +
              (memory.cutActivations > 0 ? `; activations at the cut for adapting blocks: ${n(memory.cutActivations)} images, ${mb(memory.cutBytes)}, ${n(memory.cutsComputed)} computed so far` : '')
            : '…'}
        </Figure>
        <Figure term="Tensors in memory" plain="The blocks of numbers the model is holding right now, and how much memory they take.">
          {memory ? `${n(memory.numTensors)} tensors, ${mb(memory.numBytes)}` : '…'}
        </Figure>
        <Figure
          term="Check labels"
          testId="label-check-figure"
          plain="Each picture is judged by a model that never saw it: the pictures are dealt into five groups, and five small heads each learn from four groups and judge the fifth. A picture whose own class its judge finds less likely than a blind guess would be is listed as probably labelled wrong, the least likely first."
        >
          {check ? `${n(check.images)} images, ${check.folds} heads trained, ${(check.ms / 1000).toFixed(1)} s; ${n(check.flagged)} listed, ${n(check.duplicates.length)} pairs with cosine similarity ≥ ${check.duplicateCosine}` : 'run Check labels to see'}
        </Figure>
        <Figure
          term="Heat maps"
          testId="heat-map-figure"
          plain="Before its description is averaged into one list of numbers, the backbone's last layer describes the picture as a 7 × 7 grid of squares. The heat map weighs each square by how much its features raise the chosen class's score over the other classes' (Grad-CAM), so the red parts are what made the model say that class."
        >
          {summary ? `Grad-CAM at the ${summary.adapted ? 'adapted blocks' : "backbone's last convolution"}' 7×7 map${summary.testTimeFlip ? ', averaged with the mirrored picture’s as the prediction is' : ''}` : 'train to see'}
        </Figure>
        {summary && (
          <Figure term="Last training" plain="How many passes over your images the training made, and how long it took.">
            {`${summary.epochsRun} epochs in ${(summary.trainMs / 1000).toFixed(1)} s`}
          </Figure>
        )}
      </dl>
      {info && <LayerTable parts={info.backbone.parts} head={summary?.headLayers ?? null} adapted={summary?.adapted?.parts} />}
    </details>
  );
}
