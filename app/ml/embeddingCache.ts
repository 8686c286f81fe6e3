import * as tf from '@tensorflow/tfjs';

/**
 * One view's rows: appended as chunks and merged into a single matrix the first time it is needed,
 * so ingesting N images copies the matrix once, not N/batch times.
 */
class Rows {
  private merged: tf.Tensor2D | null = null;
  private chunks: tf.Tensor2D[] = [];

  append(embeddings: tf.Tensor2D): void {
    this.chunks.push(embeddings);
  }

  matrix(): tf.Tensor2D {
    if (this.chunks.length > 0) {
      const parts = this.merged ? [this.merged, ...this.chunks] : this.chunks;
      const next = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      if (parts.length > 1) parts.forEach((t) => t.dispose());
      this.merged = next;
      this.chunks = [];
    }
    if (!this.merged) throw new Error('the embedding cache is empty');
    return this.merged;
  }

  keep(rows: number[]): void {
    const matrix = this.matrix();
    this.merged = rows.length === 0 ? null : tf.tidy(() => tf.gather(matrix, tf.tensor1d(rows, 'int32')));
    matrix.dispose();
  }

  dispose(): void {
    this.merged?.dispose();
    this.chunks.forEach((t) => t.dispose());
    this.merged = null;
    this.chunks = [];
  }
}

/**
 * Every image's embedding, computed once, kept on the active backend as one 2-D tensor
 * (GPU memory on webgpu/webgl); with `mirrored`, also the embedding of each image mirrored
 * left-right, as a second matrix whose row r is the same image as row r of the first.
 * Rows are identified by sample id and carry their class id.
 */
export class EmbeddingCache {
  private readonly plain = new Rows();
  private readonly mirror: Rows | null;
  private rowIds: string[] = [];
  private rowClass: string[] = [];
  private rowOf = new Map<string, number>();

  constructor(
    readonly dim: number,
    options: { mirrored?: boolean } = {},
  ) {
    this.mirror = options.mirrored ? new Rows() : null;
  }

  /** Whether each image's mirrored view is cached too. */
  get mirrored(): boolean {
    return this.mirror !== null;
  }

  get size(): number {
    return this.rowIds.length;
  }

  get ids(): readonly string[] {
    return this.rowIds;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  classOf(id: string): string | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.rowClass[row];
  }

  /**
   * Appends rows; the cache takes ownership of `embeddings` (and of `mirrored`, the same images
   * mirrored, which a mirrored cache requires). Ids already present are rejected.
   */
  add(ids: readonly string[], classIds: readonly string[], embeddings: tf.Tensor2D, mirrored?: tf.Tensor2D): void {
    const fail = (message: string) => {
      tf.dispose([embeddings, ...(mirrored ? [mirrored] : [])]);
      throw new Error(`cache.add: ${message}`);
    };
    const [rows, dim] = embeddings.shape;
    if (rows !== ids.length || rows !== classIds.length) fail(`${rows} rows for ${ids.length} ids and ${classIds.length} labels`);
    if (dim !== this.dim) fail(`embedding width ${dim}, cache holds ${this.dim}`);
    if (this.mirror && (!mirrored || mirrored.shape[0] !== rows || mirrored.shape[1] !== dim)) fail('the mirrored view must have the same shape as the embeddings');
    if (!this.mirror && mirrored) fail('this cache keeps no mirrored view');
    const duplicate = ids.find((id) => this.rowOf.has(id));
    if (duplicate !== undefined) fail(`sample ${duplicate} is already cached`);
    if (rows === 0) {
      tf.dispose([embeddings, ...(mirrored ? [mirrored] : [])]);
      return;
    }
    ids.forEach((id, i) => {
      this.rowOf.set(id, this.rowIds.length);
      this.rowIds.push(id);
      this.rowClass.push(classIds[i]);
    });
    this.plain.append(embeddings);
    if (this.mirror && mirrored) this.mirror.append(mirrored);
  }

  /** Moves samples to another class. Unknown ids are ignored. */
  relabel(ids: readonly string[], classId: string): void {
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row !== undefined) this.rowClass[row] = classId;
    }
  }

  /** Removes the rows of these samples. */
  remove(ids: readonly string[]): void {
    const drop = new Set(ids.filter((id) => this.rowOf.has(id)));
    if (drop.size === 0) return;
    const keep: number[] = [];
    this.rowIds.forEach((id, row) => {
      if (!drop.has(id)) keep.push(row);
    });
    this.plain.keep(keep);
    this.mirror?.keep(keep);
    this.rowIds = keep.map((row) => this.rowIds[row]);
    this.rowClass = keep.map((row) => this.rowClass[row]);
    this.rowOf = new Map(this.rowIds.map((id, row) => [id, row]));
  }

  /** The single [size, dim] matrix. Owned by the cache: do not dispose. */
  matrix(): tf.Tensor2D {
    return this.plain.matrix();
  }

  /** The mirrored images' [size, dim] matrix, row for row with `matrix()`. Owned by the cache. */
  mirrorMatrix(): tf.Tensor2D {
    if (!this.mirror) throw new Error('this cache keeps no mirrored view');
    return this.mirror.matrix();
  }

  /**
   * Rows whose class is in `classIds`, with the class's index in that list: the training set.
   * Row indices refer to `matrix()`.
   */
  labelledRows(classIds: readonly string[]): { rows: number[]; labels: number[] } {
    const index = new Map(classIds.map((c, i) => [c, i]));
    const rows: number[] = [];
    const labels: number[] = [];
    this.rowClass.forEach((c, row) => {
      const label = index.get(c);
      if (label !== undefined) {
        rows.push(row);
        labels.push(label);
      }
    });
    return { rows, labels };
  }

  /** Bytes the cached embeddings occupy on the backend (both views when mirrored). */
  get bytes(): number {
    return this.size * this.dim * 4 * (this.mirror ? 2 : 1);
  }

  dispose(): void {
    this.plain.dispose();
    this.mirror?.dispose();
    this.rowIds = [];
    this.rowClass = [];
    this.rowOf.clear();
  }
}
