import { APP_MAX_ADAPT_BLOCKS } from '../ml/settings';
import { updateSettings } from '../state/commands';
import { useStore } from '../state/store';
import type { HeadSettings } from '../worker/protocol';

type NumericSetting = { [K in keyof HeadSettings]: HeadSettings[K] extends number ? K : never }[keyof HeadSettings];

const FIELDS: { key: NumericSetting; label: string; min: number; max: number; step: number }[] = [
  { key: 'epochs', label: 'Epochs', min: 1, max: 500, step: 1 },
  { key: 'batchSize', label: 'Batch size', min: 1, max: 512, step: 1 },
  { key: 'learningRate', label: 'Learning rate', min: 0.00001, max: 1, step: 0.0001 },
  { key: 'hiddenUnits', label: 'Hidden units (0 = none)', min: 0, max: 1024, step: 1 },
  { key: 'validationFraction', label: 'Held out for validation', min: 0, max: 0.5, step: 0.05 },
  { key: 'dropout', label: 'Dropout', min: 0, max: 0.9, step: 0.05 },
  { key: 'labelSmoothing', label: 'Label smoothing', min: 0, max: 0.5, step: 0.05 },
  { key: 'earlyStoppingPatience', label: 'Stop early after this many passes without progress (0 = off)', min: 0, max: 100, step: 1 },
];

/** Fine-tuning: how many of the backbone's last blocks learn too, and for how many passes. */
const ADAPT_FIELDS: typeof FIELDS = [
  { key: 'adaptBlocks', label: 'Adapt the last N blocks (0 = head only)', min: 0, max: APP_MAX_ADAPT_BLOCKS, step: 1 },
  { key: 'adaptEpochs', label: 'Passes while adapting blocks', min: 1, max: 100, step: 1 },
];

/** Augmented views: how many per image, and which changes they make. */
const AUGMENT_FIELD: (typeof FIELDS)[number] = { key: 'augmentViews', label: 'Augmented views per image (0 = none)', min: 0, max: 16, step: 1 };

const AUGMENT_KINDS: { key: 'augmentFlip' | 'augmentCrop' | 'augmentRotate' | 'augmentColour'; label: string }[] = [
  { key: 'augmentFlip', label: 'Views may be mirrored (off for classes where left and right differ)' },
  { key: 'augmentCrop', label: 'Views may show a part of the image' },
  { key: 'augmentRotate', label: 'Views may be turned a little' },
  { key: 'augmentColour', label: 'Views may be lighter, darker or recoloured' },
];

function NumberField({ field: f, value, disabled }: { field: (typeof FIELDS)[number]; value: number; disabled: boolean }) {
  return (
    <label>
      {f.label}
      <input
        type="number"
        min={f.min}
        max={f.max}
        step={f.step}
        disabled={disabled}
        value={value}
        data-testid={`setting-${f.key}`}
        onChange={(e) => {
          const value = Number(e.target.value);
          if (Number.isFinite(value) && value >= f.min && value <= f.max) updateSettings({ [f.key]: value });
        }}
      />
    </label>
  );
}

export function SettingsForm({ disabled }: { disabled: boolean }) {
  const settings = useStore((s) => s.settings);
  return (
    <details className="settings">
      <summary>Settings</summary>
      {FIELDS.map((f) => (
        <NumberField key={f.key} field={f} value={settings[f.key]} disabled={disabled} />
      ))}
      <label>
        Balance classes (small classes count as much)
        <input type="checkbox" disabled={disabled} checked={settings.balanceClasses} onChange={(e) => updateSettings({ balanceClasses: e.target.checked })} />
      </label>
      <label>
        Also learn from each image mirrored (off when left and right differ)
        <input type="checkbox" disabled={disabled} checked={settings.mirrorAugment} onChange={(e) => updateSettings({ mirrorAugment: e.target.checked })} />
      </label>
      <label>
        Predict from the image and its mirror
        <input type="checkbox" disabled={disabled} checked={settings.testTimeFlip} onChange={(e) => updateSettings({ testTimeFlip: e.target.checked })} />
      </label>
      <label>
        Final fit on all images
        <input type="checkbox" disabled={disabled} checked={settings.refitOnAll} onChange={(e) => updateSettings({ refitOnAll: e.target.checked })} />
      </label>
      <NumberField field={AUGMENT_FIELD} value={settings.augmentViews} disabled={disabled} />
      <p className="hint" id="augment-hint">
        Each image is also shown K more times, cropped, turned, recoloured or mirrored, so the model learns to ignore framing and colour.
        It costs one backbone run per view per image the first time (kept afterwards, also after a reload) and 7 KiB per view per image.
        Off by default: it helped on drawings but hurt on a change of drawing style.
      </p>
      {AUGMENT_KINDS.map((k) => (
        <label key={k.key}>
          {k.label}
          <input
            type="checkbox"
            disabled={disabled || settings.augmentViews === 0}
            checked={settings[k.key]}
            data-testid={`setting-${k.key}`}
            onChange={(e) => updateSettings({ [k.key]: e.target.checked })}
          />
        </label>
      ))}
      {ADAPT_FIELDS.map((f) => (
        <NumberField key={f.key} field={f} value={settings[f.key]} disabled={disabled} />
      ))}
      <label>
        Adapt: auto keeps the adapted blocks only when they get more held-out images right than the head alone
        <select
          disabled={disabled || settings.adaptBlocks === 0}
          value={settings.adaptChoice}
          data-testid="setting-adaptChoice"
          onChange={(e) => updateSettings({ adaptChoice: e.target.value === 'always' ? 'always' : 'auto' })}
        >
          <option value="auto">auto</option>
          <option value="always">always keep them</option>
        </select>
      </label>
      <p className="hint" id="adapt-hint">
        Adapting blocks also retrains the backbone's last layers with the head, so it can pick up what your images look like; it takes
        minutes rather than seconds (about a fifth of a second per image per pass on a processor).
      </p>
    </details>
  );
}
