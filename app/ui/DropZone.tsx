import { useState, type ReactNode } from 'react';
import { filesFromDataTransfer, type PathedFile } from '../platform/dataset';

/**
 * Accepts dropped files and folders (walked recursively) and hands them on with their relative
 * paths; shows a highlight while dragging over. Inner drop zones take the drop first.
 */
export function DropZone({ onDrop, children, className }: { onDrop: (files: PathedFile[]) => void; children: ReactNode; className?: string }) {
  const [over, setOver] = useState(false);
  return (
    <div
      className={`${className ?? ''} dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        const plain = Array.from(e.dataTransfer.files, (file) => ({ path: file.name, file }));
        // Entries must be taken during the event; folders are then read asynchronously.
        const walking = e.dataTransfer.items?.length ? filesFromDataTransfer(e.dataTransfer.items) : Promise.resolve(plain);
        void walking.then((files) => onDrop(files.length > 0 ? files : plain));
      }}
    >
      {children}
    </div>
  );
}
