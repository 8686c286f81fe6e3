import { useState } from 'react';
import { openModel, predictWithOpenedModel, useModelFiles } from '../state/modelExport';
import type { ClassScore } from '../worker/protocol';

/**
 * "Open a model": a Headstart or Teachable Machine export (the zip, or its files) classifies images
 * here without training. The project (classes, images, trained model) is left as it is.
 */
export function OpenModel() {
  const opened = useModelFiles((s) => s.opened);
  const [scores, setScores] = useState<ClassScore[] | null>(null);
  return (
    <div className="open-model">
      <label className="file-button">
        Open a model…
        <input
          type="file"
          multiple
          accept=".zip,.json,.bin"
          data-testid="open-model-input"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = '';
            if (files.length > 0) void openModel(files).then((m) => m && setScores(null));
          }}
        />
      </label>
      {opened && (
        <section data-testid="opened-model" aria-label="Opened model">
          <p>
            Opened <strong>{opened.modelName}</strong>: {opened.labels.join(', ')}
          </p>
          <label className="file-button">
            Classify an image with it
            <input
              type="file"
              accept="image/*"
              data-testid="opened-model-predict-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void predictWithOpenedModel(file).then(setScores);
              }}
            />
          </label>
          {scores && (
            <ol data-testid="opened-model-scores">
              {scores.map((s) => (
                <li key={s.classId}>
                  <span>{s.classId}</span> {(100 * s.probability).toFixed(1)}%
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </div>
  );
}
