/** Classes: naming, adding, reordering, choosing the active one. Deleting is in deletion.ts. */
import { get, markStale, notify, set } from './base';
import { saveProject } from './samples';
import type { ClassInfo } from './store';

/** A class name that is not empty and not already taken (case-insensitive), or an error message. */
export function validateClassName(name: string, classes: ClassInfo[], ignoreId?: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'A class name cannot be empty.';
  if (classes.some((c) => c.id !== ignoreId && c.name.toLowerCase() === trimmed.toLowerCase())) return `There is already a class named "${trimmed}".`;
  return null;
}

/** Adds a class with the given name (made unique) or "Class N"; returns its id. */
export function addClass(wanted?: string): string {
  const { classes } = get();
  const base = wanted?.trim() || 'Class';
  let name = wanted?.trim() || `Class ${classes.length + 1}`;
  for (let n = wanted?.trim() ? 2 : classes.length + 2; validateClassName(name, classes); n++) name = `${base} ${n}`;
  const id = crypto.randomUUID();
  set({ classes: [...classes, { id, name, sampleIds: [] }], activeClassId: id });
  markStale();
  void saveProject();
  return id;
}

/** Renames a class; returns the error shown to the user, or null when renamed. */
export function renameClass(id: string, name: string): string | null {
  const error = validateClassName(name, get().classes, id);
  if (error) {
    notify('error', error);
    return error;
  }
  set((s) => ({ classes: s.classes.map((c) => (c.id === id ? { ...c, name: name.trim() } : c)) }));
  void saveProject();
  return null;
}

/** Moves a class up (-1) or down (+1) in the list. */
export function moveClass(id: string, delta: -1 | 1): void {
  const classes = get().classes.slice();
  const from = classes.findIndex((c) => c.id === id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= classes.length) return;
  [classes[from], classes[to]] = [classes[to], classes[from]];
  set({ classes });
  void saveProject();
}

export function setActiveClass(id: string): void {
  if (get().activeClassId !== id) set({ activeClassId: id });
}
