import { useStore } from '../state/store';
import { megabytes } from './format';

const n = (x: number) => x.toLocaleString('en-US');
const mb = (bytes: number) => megabytes(bytes, 2);

/** What transfer learning is doing, with live numbers from the worker. */
export function UnderTheHood() {
  const info = useStore((s) => s.model.info);
  const summary = useStore((s) => s.training.summary);
  const memory = useStore((s) => s.memory);
  return (
    <details className="panel under-the-hood" data-testid="under-the-hood">
      <summary>Under the hood</summary>
      <p>
        Feature extraction: the pre-trained backbone is <strong>frozen</strong>. Its early layers already detect general shapes and
        textures learned from ImageNet, so each of your images is run through it once and its embedding (a vector of{' '}
        {info ? n(info.backbone.featureDim) : '…'} numbers) is cached on the {info?.choice.backend ?? '…'} backend. Only a new, small
        head sized to your classes is trained, and the optimizer is handed only the head's variables: no gradients or optimizer state are
        spent on frozen weights.
      </p>
      <dl>
        <dt>Backbone</dt>
        <dd>{info ? `${info.backbone.label}, input ${info.backbone.inputSize}×${info.backbone.inputSize}` : '…'}</dd>
        <dt>Frozen parameters</dt>
        <dd data-testid="frozen-params">{info ? n(info.backbone.paramCount) : '…'}</dd>
        <dt>Trainable parameters</dt>
        <dd data-testid="trainable-params">{summary ? n(summary.params.trainable) : 'train to see'}</dd>
        <dt>Layers that train</dt>
        <dd>
          {summary
            ? summary.headLayers.map((l) => `${l.name} (${l.kind}, ${n(l.params)} params, out ${l.outputShape})`).join('; ')
            : 'the head, once trained'}
        </dd>
        <dt>Optimizer</dt>
        <dd>
          {summary
            ? `${summary.optimizer.name} over ${summary.optimizer.varList.length} variables; state: ${summary.optimizer.variables} moment tensors, ${mb(summary.optimizer.bytes)}`
            : '…'}
        </dd>
        <dt>Embedding cache</dt>
        <dd>{memory ? `${n(memory.cachedEmbeddings)} images, ${mb(memory.cacheBytes)}; ${n(memory.embeddingsComputed)} backbone runs so far` : '…'}</dd>
        <dt>Tensors in memory</dt>
        <dd>{memory ? `${n(memory.numTensors)} tensors, ${mb(memory.numBytes)}` : '…'}</dd>
        {summary && (
          <>
            <dt>Last training</dt>
            <dd>{`${summary.epochsRun} epochs in ${(summary.trainMs / 1000).toFixed(1)} s`}</dd>
          </>
        )}
      </dl>
    </details>
  );
}
