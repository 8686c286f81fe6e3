import { ClassList } from './ClassList';
import { Header } from './Header';
import { Notices } from './Notices';
import { PredictPanel } from './PredictPanel';
import { ProjectBar } from './ProjectBar';
import { TrainPanel } from './TrainPanel';
import { UnderTheHood } from './UnderTheHood';

export function App() {
  return (
    <div className="app">
      <Header />
      <ProjectBar />
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
