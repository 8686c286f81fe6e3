import { downloadProject, openProject } from '../state/projectFile';
import { useStore } from '../state/store';

/** The project as one file: download it (to keep or share), or open one in place of this project. */
export function ProjectFile() {
  const hasClasses = useStore((s) => s.classes.length > 0);
  return (
    <>
      <button type="button" data-testid="project-download" disabled={!hasClasses} onClick={() => void downloadProject()}>
        Download project
      </button>
      <label className="file-button">
        Open project…
        <input
          data-testid="project-open"
          type="file"
          accept=".zip,application/zip"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void openProject(file);
          }}
        />
      </label>
    </>
  );
}
