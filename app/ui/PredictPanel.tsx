import { predict } from '../state/commands';
import { useStore } from '../state/store';
import { DropZone } from './DropZone';

export function PredictPanel() {
  const prediction = useStore((s) => s.prediction);
  const classes = useStore((s) => s.classes);
  const canPredict = useStore((s) => s.training.summary !== null);
  const name = (id: string) => classes.find((c) => c.id === id)?.name ?? '(deleted class)';
  const top = prediction.scores[0];
  const onFiles = (files: File[]) => files[0] && void predict(files[0]);
  return (
    <section className="panel" aria-label="Preview">
      <h2>Preview</h2>
      <DropZone className="predict-drop" onDrop={(files) => onFiles(files.map((f) => f.file))}>
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
        {!canPredict && <span className="hint"> Train the model first.</span>}
      </DropZone>
      {prediction.imageUrl && <img className="preview" src={prediction.imageUrl} alt="Image being classified" />}
      {prediction.status === 'running' && <p>Classifying…</p>}
      {prediction.status === 'error' && <p className="error">{prediction.error}</p>}
      {top && prediction.status === 'done' && (
        <>
          <p className="top">
            <strong data-testid="prediction">{name(top.classId)}</strong> {(top.probability * 100).toFixed(1)}%
          </p>
          <ul className="bars">
            {prediction.scores.map((s) => (
              <li key={s.classId}>
                <span>{name(s.classId)}</span>
                <meter min={0} max={1} value={s.probability} />
                <span>{(s.probability * 100).toFixed(1)}%</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
