import { ClassList } from './ClassList';
import { Header } from './Header';
import { Notices } from './Notices';
import { PredictPanel } from './PredictPanel';
import { TrainPanel } from './TrainPanel';
import { UnderTheHood } from './UnderTheHood';

export function App() {
  return (
    <div className="app">
      <Header />
      <Notices />
      <main className="layout">
        <ClassList />
        <aside className="side">
          <TrainPanel />
          <PredictPanel />
        </aside>
      </main>
      <UnderTheHood />
    </div>
  );
}
