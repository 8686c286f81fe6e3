export interface Snippet {
  id: string;
  title: string;
  code: string;
}

/** Code to use an export elsewhere, each snippet folded under its title (test id `snippet-<id>`). */
export function Snippets({ snippets }: { snippets: Snippet[] }) {
  return snippets.map((s) => (
    <details key={s.id}>
      <summary>{s.title}</summary>
      <pre data-testid={`snippet-${s.id}`}>
        <code>{s.code}</code>
      </pre>
    </details>
  ));
}
