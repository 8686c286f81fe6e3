import { useStore } from '../state/store';

/** A class's name by id, for lists that may outlive the class: "(deleted class)" once it is gone. */
export function useClassName(): (id: string) => string {
  const classes = useStore((s) => s.classes);
  return (id) => classes.find((c) => c.id === id)?.name ?? '(deleted class)';
}
