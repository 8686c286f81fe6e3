import * as tf from '@tensorflow/tfjs';

/**
 * One view's rows, keyed by sample id: appended as chunks and merged into a single matrix, in the
 * order asked for, the first time it is needed, so ingesting N images copies the matrix once, not
 * N/batch times. Rows may arrive in any order (a mirror computed after later images were added):
 * the merge then gathers them into the order asked for, once.
 */
class Rows {
  private merged: tf.Tensor2D | null = null;
  private mergedIds: string[] = [];
  private chunks: { ids: readonly string[]; rows: tf.Tensor2D }[] = [];
  private readonly present = new Set<string>();

  get count(): number {
    return this.present.size;
  }

  has(id: string): boolean {
    return this.present.has(id);
  }

  append(ids: readonly string[], rows: tf.Tensor2D): void {
    for (const id of ids) this.present.add(id);
    this.chunks.push({ ids, rows });
  }

  /** Everything held as one matrix (merged, then chunks in arrival order) and the id of each of its rows. */
  private flatten(): { all: tf.Tensor2D; order: string[] } | null {
    const parts = [...(this.merged ? [{ ids: this.mergedIds, rows: this.merged }] : []), ...this.chunks];
    if (parts.length === 0) return null;
    const order = parts.flatMap((p) => p.ids);
    const all = parts.length === 1 ? parts[0].rows : tf.concat(parts.map((p) => p.rows), 0);
    if (parts.length > 1) parts.forEach((p) => p.rows.dispose());
    this.merged = null;
    this.chunks = [];
    return { all, order };
  }

  /** Keeps `rows` (an id order) as the merged matrix, taken from `all` (row i is `order[i]`). */
  private settle(all: tf.Tensor2D, order: readonly string[], ids: readonly string[]): void {
    if (ids.length === order.length && ids.every((id, i) => order[i] === id)) this.merged = all;
    else {
      const at = new Map(order.map((id, i) => [id, i]));
      this.merged = ids.length === 0 ? null : tf.tidy(() => tf.gather(all, tf.tensor1d(ids.map((id) => at.get(id) as number), 'int32')));
      all.dispose();
    }
    this.mergedIds = this.merged ? ids.slice() : [];
  }

  /** The rows of `ids`, in that order, as one matrix owned by this object. Every id must be held. */
  matrix(ids: readonly string[]): tf.Tensor2D {
    const inOrder = this.chunks.length === 0 && ids.length === this.mergedIds.length && ids.every((id, i) => this.mergedIds[i] === id);
    if (!inOrder) {
      const missing = ids.filter((id) => !this.present.has(id)).length;
      if (missing > 0) throw new Error(`${missing} row(s) are not held`);
      const flat = this.flatten();
      if (flat) this.settle(flat.all, flat.order, ids);
    }
    if (!this.merged) throw new Error('the embedding cache is empty');
    return this.merged;
  }

  /** Drops the rows of these ids (those held). */
  remove(drop: ReadonlySet<string>): void {
    if (![...drop].some((id) => this.present.has(id))) return;
    for (const id of drop) this.present.delete(id);
    const flat = this.flatten();
    if (flat) this.settle(flat.all, flat.order, flat.order.filter((id) => !drop.has(id)));
  }

  dispose(): void {
    this.merged?.dispose();
    this.chunks.forEach((c) => c.rows.dispose());
    this.merged = null;
    this.mergedIds = [];
    this.chunks = [];
    this.present.clear();
  }
}

/** Frees a batch the cache will not take and says why. */
function refuse(tensors: tf.Tensor[], message: string): never {
  tf.dispose(tensors);
  throw new Error(`cache: ${message}`);
}

/**
 * Every image's embedding, computed once, kept on the active backend as one 2-D tensor
 * (GPU memory on webgpu/webgl); with `mirrored`, also the embedding of each image mirrored
 * left-right, as a second matrix whose row r is the same image as row r of the first.
 * An image's mirror may come later than the image (it is computed behind the ingest):
 * `missingMirrors()` lists those still owed, oldest first, and `mirrorMatrix()` needs them all.
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

  /** Why a batch of rows cannot be taken (its row count or width), or null. */
  private shapeProblem(ids: readonly string[], rows: tf.Tensor2D): string | null {
    const [n, dim] = rows.shape;
    if (n !== ids.length) return `${n} rows for ${ids.length} ids`;
    return dim === this.dim ? null : `embedding width ${dim}, cache holds ${this.dim}`;
  }

  /**
   * Appends rows; the cache takes ownership of `embeddings` (and of `mirrored`, the same images
   * mirrored, which only a mirrored cache takes; without it their mirrors are owed: addMirrors).
   * Ids already present are rejected.
   */
  add(ids: readonly string[], classIds: readonly string[], embeddings: tf.Tensor2D, mirrored?: tf.Tensor2D): void {
    const tensors = [embeddings, ...(mirrored ? [mirrored] : [])];
    const duplicate = ids.find((id) => this.rowOf.has(id));
    const problem =
      this.shapeProblem(ids, embeddings) ??
      (ids.length !== classIds.length ? `${ids.length} ids and ${classIds.length} labels` : null) ??
      (!this.mirror && mirrored ? 'this cache keeps no mirrored view' : null) ??
      (mirrored && (mirrored.shape[0] !== embeddings.shape[0] || mirrored.shape[1] !== embeddings.shape[1]) ? 'the mirrored view must have the same shape as the embeddings' : null) ??
      (duplicate !== undefined ? `sample ${duplicate} is already cached` : null);
    if (problem) refuse(tensors, problem);
    if (ids.length === 0) {
      tf.dispose(tensors);
      return;
    }
    ids.forEach((id, i) => {
      this.rowOf.set(id, this.rowIds.length);
      this.rowIds.push(id);
      this.rowClass.push(classIds[i]);
    });
    this.plain.append(ids.slice(), embeddings);
    if (this.mirror && mirrored) this.mirror.append(ids.slice(), mirrored);
  }

  /** Cached images whose mirror is still owed, in the order they were added. Empty for a cache without mirrors. */
  missingMirrors(): string[] {
    const mirror = this.mirror;
    return mirror ? this.rowIds.filter((id) => !mirror.has(id)) : [];
  }

  /** Adds owed mirrors (the cache takes ownership of `mirrored`); each id must be cached and still owe its mirror. */
  addMirrors(ids: readonly string[], mirrored: tf.Tensor2D): void {
    const unknown = ids.find((id) => !this.rowOf.has(id));
    const twice = ids.find((id, i) => this.mirror?.has(id) || ids.indexOf(id) !== i);
    const problem =
      (!this.mirror ? 'this cache keeps no mirrored view' : null) ??
      this.shapeProblem(ids, mirrored) ??
      (unknown !== undefined ? `sample ${unknown} is not cached` : null) ??
      (twice !== undefined ? `the mirror of sample ${twice} is already cached` : null);
    if (problem) refuse([mirrored], problem);
    if (ids.length === 0) mirrored.dispose();
    else this.mirror?.append(ids.slice(), mirrored);
  }

  /** Moves samples to another class. Unknown ids are ignored. */
  relabel(ids: readonly string[], classId: string): void {
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row !== undefined) this.rowClass[row] = classId;
    }
  }

  /** Removes the rows of these samples (and their mirrors). */
  remove(ids: readonly string[]): void {
    const drop = new Set(ids.filter((id) => this.rowOf.has(id)));
    if (drop.size === 0) return;
    this.plain.remove(drop);
    this.mirror?.remove(drop);
    const keep = this.rowIds.flatMap((id, row) => (drop.has(id) ? [] : [row]));
    this.rowIds = keep.map((row) => this.rowIds[row]);
    this.rowClass = keep.map((row) => this.rowClass[row]);
    this.rowOf = new Map(this.rowIds.map((id, row) => [id, row]));
  }

  /** The single [size, dim] matrix. Owned by the cache: do not dispose. */
  matrix(): tf.Tensor2D {
    if (this.rowIds.length === 0) throw new Error('the embedding cache is empty');
    return this.plain.matrix(this.rowIds);
  }

  /** The mirrored images' [size, dim] matrix, row for row with `matrix()`; every mirror must be cached. Owned by the cache. */
  mirrorMatrix(): tf.Tensor2D {
    if (!this.mirror) throw new Error('this cache keeps no mirrored view');
    if (this.rowIds.length === 0) throw new Error('the embedding cache is empty');
    const owed = this.rowIds.length - this.mirror.count;
    if (owed > 0) throw new Error(`the mirrors of ${owed} image(s) are not computed yet`);
    return this.mirror.matrix(this.rowIds);
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
    return (this.size + (this.mirror?.count ?? 0)) * this.dim * 4;
  }

  dispose(): void {
    this.plain.dispose();
    this.mirror?.dispose();
    this.rowIds = [];
    this.rowClass = [];
    this.rowOf.clear();
  }
}
