import { exportDataset, importFolder, importZip } from '../state/commands';
import { useStore } from '../state/store';
import { SampleDataset } from './SampleDataset';
import { ZipPicker } from './ZipPicker';

/** Bring a whole dataset in (folder tree or zip, one folder per class) or take it out as a zip. */
export function DatasetBar() {
  const hasImages = useStore((s) => s.classes.some((c) => c.sampleIds.length > 0));
  // On an empty project the class list offers the sample itself.
  const hasClasses = useStore((s) => s.classes.length > 0);
  return (
    <div className="dataset-bar">
      <label className="file-button">
        Import folder…
        <input
          data-testid="folder-input"
          type="file"
          webkitdirectory=""
          multiple
          onChange={(e) => {
            const files = Array.from(e.target.files ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
            e.target.value = '';
            void importFolder(files);
          }}
        />
      </label>
      <ZipPicker label="Import zip…" testId="zip-input" onPick={(zip) => void importZip(zip)} />
      <button type="button" data-testid="export-dataset" disabled={!hasImages} onClick={() => void exportDataset()}>
        Export dataset (zip)
      </button>
      <span className="hint">Drop a folder of class folders, or a zip of them, anywhere on the page.</span>
      {hasClasses && <SampleDataset />}
    </div>
  );
}
