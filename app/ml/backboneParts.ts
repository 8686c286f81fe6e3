/**
 * The backbone's parameters by part (its stem, each inverted-residual block, its last convolution),
 * in network order, for "Under the hood": the graph model names its weights
 * `…/MobilenetV2/expanded_conv_3/expand/Conv2D_weights`, the layers twin its layers
 * `expanded_conv_3_expand`; both group to `expanded_conv_3`.
 */
export interface BackbonePart {
  name: string;
  params: number;
}

/** The part a graph weight or a layer belongs to, or null for constants outside the network (input scaling). */
export function partOf(name: string): string | null {
  const graph = /MobilenetV2\/([^/]+)\//.exec(name);
  const layer = graph ? graph[1] : name.split('/')[0];
  const block = /^(expanded_conv(?:_\d+)?)(?:_|$)/.exec(layer);
  if (block) return block[1];
  if (/^Conv_?1(?:_|$)/i.test(layer)) return 'Conv_1';
  if (/^Conv(?:_|$)|^Conv1(?:_|$)/.test(layer)) return 'Conv';
  return graph ? layer : null;
}

/** Sums the sizes of named weights by part, ordered as the network runs (stem, blocks 0–16, last conv). */
export function groupByPart(weights: readonly { name: string; size: number }[]): BackbonePart[] {
  const sums = new Map<string, number>();
  for (const { name, size } of weights) {
    const part = partOf(name);
    if (part !== null) sums.set(part, (sums.get(part) ?? 0) + size);
  }
  const rank = (part: string) => {
    if (part === 'Conv') return -1;
    if (part === 'expanded_conv') return 0;
    const block = /^expanded_conv_(\d+)$/.exec(part);
    return block ? Number(block[1]) : 100;
  };
  return [...sums].map(([name, params]) => ({ name, params })).sort((a, b) => rank(a.name) - rank(b.name));
}
