import { predict } from '../state/commands';
import { useStore } from '../state/store';
import { DropZone } from './DropZone';
import { HeatMapToggle } from './HeatMapToggle';
import { LivePreview } from './LivePreview';
import { PreviewImage } from './PreviewImage';
import { ScoreBars } from './ScoreBars';
import { Threshold } from './Threshold';

export function PredictPanel() {
  const prediction = useStore((s) => s.prediction);
  const canPredict = useStore((s) => s.training.summary !== null);
  const onFiles = (files: File[]) => files[0] && void predict(files[0]);
  return (
    <section className="panel sticky" aria-labelledby="preview-heading">
      <h2 id="preview-heading">3. Preview</h2>
      <DropZone className="predict-drop" onDrop={(files) => onFiles(files.map((f) => f.file))}>
        <div className="buttons">
          <label className="file-button">
            Classify an image…
            <input
              data-testid="predict-input"
              type="file"
              accept="image/*"
              disabled={!canPredict}
              onChange={(e) => {
                onFiles(Array.from(e.target.files ?? []));
                e.target.value = '';
              }}
            />
          </label>
          {canPredict && <LivePreview />}
        </div>
        {!canPredict && <p className="hint">Train the model first, then pick or drop an image here, or use the camera.</p>}
      </DropZone>
      {canPredict && <HeatMapToggle />}
      <PreviewImage />
      {prediction.status === 'running' && <p>Classifying…</p>}
      {prediction.status === 'error' && <p className="error">{prediction.error}</p>}
      {prediction.status === 'done' && prediction.scores.length > 0 && <ScoreBars scores={prediction.scores} />}
      {canPredict && <Threshold />}
    </section>
  );
}
