import { useEffect } from 'react';
import { addFiles, importFolder, importZip, notify } from '../state/commands';
import { Announcer } from './Announcer';
import { useStore } from '../state/store';
import type { PathedFile } from '../platform/dataset';
import { ClassList } from './ClassList';
import { DatasetBar } from './DatasetBar';
import { DropZone } from './DropZone';
import { Header } from './Header';
import { ModelExport } from './ModelExport';
import { Notices } from './Notices';
import { OpenModel } from './OpenModel';
import { SelectionBar } from './SelectionBar';
import { StatusDock } from './StatusDock';
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

/** Images pasted anywhere go to the class last clicked or added. */
function pasteIntoActiveClass(e: ClipboardEvent): void {
  if (e.target instanceof HTMLInputElement) return;
  const images = Array.from(e.clipboardData?.files ?? []).filter((f) => f.type.startsWith('image/'));
  if (images.length === 0) return;
  const { activeClassId } = useStore.getState();
  if (activeClassId) void addFiles(activeClassId, images);
  else notify('error', 'Click a class first, then paste the image into it.', undefined, 'active-class');
}

export function App() {
  useEffect(() => {
    window.addEventListener('paste', pasteIntoActiveClass);
    return () => window.removeEventListener('paste', pasteIntoActiveClass);
  }, []);
  return (
    <DropZone className="app" onDrop={dropOnPage}>
      <Header />
      <main>
        <Notices />
        <SelectionBar />
        <div className="layout">
          <ClassList />
          <TrainPanel />
          <PredictPanel />
        </div>
        <div className="toolbar">
          <DatasetBar />
          <ModelExport />
          <OpenModel />
          <ProjectBar />
        </div>
        <UnderTheHood />
      </main>
      <StatusDock />
      <Announcer />
    </DropZone>
  );
}
