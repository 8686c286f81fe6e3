import { beforeEach, describe, expect, it } from 'vitest';
import { dismissNotice, notify } from './base';
import { resetStore, useStore } from './store';

const texts = () => useStore.getState().notices.map((n) => n.text);
const withImages = (n: number) => Array.from({ length: 3 }, (_, i) => ({ id: `c${i}`, name: `class ${i}`, sampleIds: i < n ? [`s${i}`] : [] }));

describe('notices', () => {
  beforeEach(() => resetStore());

  it('one waiting for two classes with images goes once they have them, and not before; others stay', () => {
    notify('error', 'Add images to at least two classes before training.', undefined, 'two-classes');
    notify('error', 'x.png was not added: not an image.');
    useStore.setState({ classes: withImages(1) });
    expect(texts()).toEqual(['Add images to at least two classes before training.', 'x.png was not added: not an image.']);
    useStore.setState({ classes: withImages(2) });
    expect(texts()).toEqual(['x.png was not added: not an image.']);
  });

  it('one waiting for a chosen class goes when a class is clicked', () => {
    notify('error', 'Click a class first, then paste the image into it.', undefined, 'active-class');
    expect(texts()).toHaveLength(1);
    useStore.setState({ activeClassId: 'c0' });
    expect(texts()).toEqual([]);
  });

  it('any notice can be dismissed', () => {
    notify('info', 'All data deleted.');
    dismissNotice(useStore.getState().notices[0].id);
    expect(texts()).toEqual([]);
  });
});
