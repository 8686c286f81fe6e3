import type { BackbonePart } from '../ml/backboneParts';
import type { TrainSummary } from '../worker/protocol';

const n = (x: number) => x.toLocaleString('en-US');

/** Every part of the network with its parameters, and whether training changes them (`adapted`: backbone parts that trained too). */
export function LayerTable({ parts, head, adapted = [] }: { parts: readonly BackbonePart[]; head: TrainSummary['headLayers'] | null; adapted?: readonly string[] }) {
  const headLayers = (head ?? []).filter((l) => l.params > 0);
  return (
      <table className="layer-table" data-testid="layer-table">
        <caption>Which layers train</caption>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Parameters</th>
            <th scope="col">During training</th>
          </tr>
        </thead>
        <tbody>
          {parts.map((p) => (
            <tr key={p.name} data-part="backbone" className={adapted.includes(p.name) ? 'trains' : undefined}>
              <th scope="row">{p.name}</th>
              <td>{n(p.params)}</td>
              <td>{adapted.includes(p.name) ? 'trains' : 'frozen'}</td>
            </tr>
          ))}
          {headLayers.length > 0 ? (
            headLayers.map((l) => (
              <tr key={l.name} data-part="head" className="trains">
                <th scope="row">{`head: ${l.name} (${l.kind})`}</th>
                <td>{n(l.params)}</td>
                <td>trains</td>
              </tr>
            ))
          ) : (
            <tr data-part="head">
              <th scope="row">head (new, sized to your classes)</th>
              <td>after training</td>
              <td>trains</td>
            </tr>
          )}
        </tbody>
      </table>
  );
}
