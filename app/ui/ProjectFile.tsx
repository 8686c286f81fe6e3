import { downloadProject, openProject } from '../state/projectFile';
import { useStore } from '../state/store';
import { ZipPicker } from './ZipPicker';

/** The project as one file: download it (to keep or share), or open one in place of this project. */
export function ProjectFile() {
  const hasClasses = useStore((s) => s.classes.length > 0);
  return (
    <>
      <button type="button" data-testid="project-download" disabled={!hasClasses} onClick={() => void downloadProject()}>
        Download project
      </button>
      <ZipPicker label="Open project…" testId="project-open" onPick={(zip) => void openProject(zip)} />
    </>
  );
}
