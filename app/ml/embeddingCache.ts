import * as tf from '@tensorflow/tfjs';

/**
 * Every image's embedding, computed once, kept on the active backend as one 2-D tensor
 * (GPU memory on webgpu/webgl). New batches are appended as chunks and merged into the
 * single matrix the first time it is needed, so ingesting N images copies the matrix once,
 * not N/batch times. Rows are identified by sample id and carry their class id.
 */
export class EmbeddingCache {
  private merged: tf.Tensor2D | null = null;
  private chunks: tf.Tensor2D[] = [];
  private rowIds: string[] = [];
  private rowClass: string[] = [];
  private rowOf = new Map<string, number>();

  constructor(readonly dim: number) {}

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

  /** Appends rows; the cache takes ownership of `embeddings`. Ids already present are rejected. */
  add(ids: readonly string[], classIds: readonly string[], embeddings: tf.Tensor2D): void {
    const [rows, dim] = embeddings.shape;
    if (rows !== ids.length || rows !== classIds.length) {
      embeddings.dispose();
      throw new Error(`cache.add: ${rows} rows for ${ids.length} ids and ${classIds.length} labels`);
    }
    if (dim !== this.dim) {
      embeddings.dispose();
      throw new Error(`cache.add: embedding width ${dim}, cache holds ${this.dim}`);
    }
    const duplicate = ids.find((id) => this.rowOf.has(id));
    if (duplicate !== undefined) {
      embeddings.dispose();
      throw new Error(`cache.add: sample ${duplicate} is already cached`);
    }
    if (rows === 0) {
      embeddings.dispose();
      return;
    }
    ids.forEach((id, i) => {
      this.rowOf.set(id, this.rowIds.length);
      this.rowIds.push(id);
      this.rowClass.push(classIds[i]);
    });
    this.chunks.push(embeddings);
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
    const matrix = this.matrix();
    this.merged = keep.length === 0 ? null : tf.tidy(() => tf.gather(matrix, tf.tensor1d(keep, 'int32')));
    matrix.dispose();
    this.rowIds = keep.map((row) => this.rowIds[row]);
    this.rowClass = keep.map((row) => this.rowClass[row]);
    this.rowOf = new Map(this.rowIds.map((id, row) => [id, row]));
  }

  /** The single [size, dim] matrix. Owned by the cache: do not dispose. */
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

  /** Bytes the cached embeddings occupy on the backend. */
  get bytes(): number {
    return this.size * this.dim * 4;
  }

  dispose(): void {
    this.merged?.dispose();
    this.chunks.forEach((t) => t.dispose());
    this.merged = null;
    this.chunks = [];
    this.rowIds = [];
    this.rowClass = [];
    this.rowOf.clear();
  }
}
