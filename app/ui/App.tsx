import { importFolder, importZip } from '../state/commands';
import type { PathedFile } from '../platform/dataset';
import { ClassList } from './ClassList';
import { DatasetBar } from './DatasetBar';
import { DropZone } from './DropZone';
import { Header } from './Header';
import { Notices } from './Notices';
import { PredictPanel } from './PredictPanel';
import { ProjectBar } from './ProjectBar';
import { TrainPanel } from './TrainPanel';
import { UnderTheHood } from './UnderTheHood';

/** A drop outside any class: zips and folder trees are imported, one folder per class. */
function dropOnPage(files: PathedFile[]): void {
  const zips = files.filter((f) => /\.zip$/i.test(f.path));
  const rest = files.filter((f) => !zips.includes(f));
  void (async () => {
    for (const z of zips) await importZip(z.file);
    if (rest.length > 0) await importFolder(rest);
  })();
}

export function App() {
  return (
    <DropZone className="app" onDrop={dropOnPage}>
      <Header />
      <ProjectBar />
      <DatasetBar />
      <Notices />
      <main className="layout">
        <ClassList />
        <aside className="side">
          <TrainPanel />
          <PredictPanel />
        </aside>
      </main>
      <UnderTheHood />
    </DropZone>
  );
}
