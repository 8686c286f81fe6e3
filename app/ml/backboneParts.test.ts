import { describe, expect, it } from 'vitest';
import { groupByPart, partOf } from './backboneParts';

const graph = (path: string) => `StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/predict/MobilenetV2/${path}`;

describe('backbone parts', () => {
  it('names the same part for a graph weight and the layers twin’s layer', () => {
    expect(partOf(graph('expanded_conv_14/expand/Conv2D_weights'))).toBe('expanded_conv_14');
    expect(partOf('expanded_conv_14_expand/kernel')).toBe('expanded_conv_14');
    expect(partOf(graph('expanded_conv/depthwise/depthwise_weights'))).toBe('expanded_conv');
    expect(partOf('expanded_conv_depthwise/depthwise_kernel')).toBe('expanded_conv');
    expect(partOf(graph('Conv/Conv2D_weights'))).toBe('Conv');
    expect(partOf(graph('Conv_1/Conv2D_bn_offset'))).toBe('Conv_1');
    expect(partOf('Conv_1/bias')).toBe('Conv_1');
    expect(partOf('StatefulPartitionedCall/sequential/keras_layer/predict/hub_input/Mul/y')).toBeNull();
  });

  it('sums by part in the order the network runs', () => {
    const parts = groupByPart([
      { name: graph('Conv_1/Conv2D_weights'), size: 10 },
      { name: graph('expanded_conv_10/expand/Conv2D_weights'), size: 4 },
      { name: graph('expanded_conv_2/expand/Conv2D_weights'), size: 3 },
      { name: graph('expanded_conv_2/project/Conv2D_bn_offset'), size: 2 },
      { name: graph('Conv/Conv2D_weights'), size: 1 },
      { name: graph('expanded_conv/project/Conv2D_weights'), size: 7 },
      { name: 'x/hub_input/Sub/y', size: 1 },
    ]);
    expect(parts).toEqual([
      { name: 'Conv', params: 1 },
      { name: 'expanded_conv', params: 7 },
      { name: 'expanded_conv_2', params: 5 },
      { name: 'expanded_conv_10', params: 4 },
      { name: 'Conv_1', params: 10 },
    ]);
  });
});
