import { beforeEach, describe, expect, it } from 'vitest';
import { projectRecord, showSamples } from './samples';
import { resetStore, useStore } from './store';

const thumbnail = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
const batch = (classId: string, from: number, count = 16) =>
  Array.from({ length: count }, (_, i) => ({ id: `${classId}-${from + i}`, classId, name: `img${from + i}.png`, thumbnail }));

describe('a batch of an ingest shown', () => {
  beforeEach(() => {
    resetStore();
    useStore.setState({ classes: ['a', 'b', 'c'].map((id) => ({ id, name: id, sampleIds: [] })) });
  });

  it('appends to its class in order and leaves the other classes as they were, so their cards are not drawn again', () => {
    for (let i = 0; i < 1000; i += 16) showSamples(batch('b', i));
    const before = useStore.getState().classes;
    showSamples(batch('a', 0));
    const after = useStore.getState().classes;
    expect(after[0].sampleIds).toEqual(batch('a', 0).map((x) => x.id));
    // The class holding 1,008 images is the same record: its grid has nothing to redraw.
    expect(after[1]).toBe(before[1]);
    expect(after[2]).toBe(before[2]);
    expect(after[1].sampleIds).toHaveLength(1008);
    expect(useStore.getState().samples['a-3']).toEqual({ id: 'a-3', classId: 'a', name: 'img3.png' });
  });

  it('a batch across two classes goes to each, in the order it came', () => {
    showSamples([...batch('c', 0, 2), ...batch('a', 0, 1), ...batch('c', 2, 1)]);
    const [a, b, c] = useStore.getState().classes;
    expect(a.sampleIds).toEqual(['a-0']);
    expect(b.sampleIds).toEqual([]);
    expect(c.sampleIds).toEqual(['c-0', 'c-1', 'c-2']);
  });
});

describe('the project record saved with each batch', () => {
  beforeEach(() => resetStore());

  it('keeps only what Check labels kept of images still in the project', () => {
    useStore.setState({
      classes: [{ id: 'a', name: 'A', sampleIds: ['x', 'y'] }],
      kept: { labels: { x: 'a', gone: 'a' }, pairs: ['x+y', 'x+gone'] },
    });
    expect(projectRecord().kept).toEqual({ labels: { x: 'a' }, pairs: ['x+y'] });
    expect(projectRecord().classes).toEqual([{ id: 'a', name: 'A' }]);
  });

  it('with nothing kept, saves nothing kept', () => {
    useStore.setState({ classes: [{ id: 'a', name: 'A', sampleIds: ['x'] }] });
    expect(projectRecord().kept).toEqual({ labels: {}, pairs: [] });
  });
});
