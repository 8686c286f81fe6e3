import { exportFormat, useModelFiles, type FormatStatus } from '../state/modelExport';
import type { ExportFormat, FormatProgress, Int8Report } from '../worker/protocol';
import { megabytes } from './format';
import { ProgressBar } from './ProgressBar';
import { Snippets, type Snippet } from './Snippets';

/** One format of the export dialog: what it is, where it runs, its download, and code to use it. */
export interface FormatInfo {
  format: ExportFormat;
  title: string;
  where: string;
  button: string;
  snippets: Snippet[];
}

const PHASES: Record<FormatProgress['phase'], string> = {
  building: 'Building the network',
  calibrating: 'Calibrating on the training images',
  writing: 'Writing the file',
  checking: 'Comparing with the app on the measured images',
};

function Progress({ format, progress }: { format: ExportFormat; progress: FormatProgress | null }) {
  if (!progress || progress.total <= 1) return <p data-testid={`export-${format}-status`}>{progress ? PHASES[progress.phase] : 'Preparing'}…</p>;
  return <ProgressBar testId={`export-${format}-status`} label={`${PHASES[progress.phase]}: ${progress.done} of ${progress.total}`} value={progress.done} max={progress.total} />;
}

const mb = (bytes: number) => megabytes(bytes, 1);
const percent = (part: number, whole: number) => `${whole > 0 ? Math.round((100 * part) / whole) : 0}%`;

/** The int8 model against the float32 one and the app: size, calibration, top-1 agreement, and where that figure comes from. */
function Int8Summary({ report, bytes }: { report: Int8Report; bytes: number }) {
  const images = report.scope === 'validation' ? 'held-out images' : 'training images (too few to hold any out)';
  return (
    <p data-testid="export-int8-report">
      {mb(bytes)}, {percent(bytes, report.floatBytes)} of the float32 model&apos;s {mb(report.floatBytes)}; calibrated on{' '}
      {report.calibrationImages} training images. Its top class is the app&apos;s on{' '}
      <strong>
        {report.agree} of {report.total} {images} ({percent(report.agree, report.total)})
      </strong>
      , probabilities within {report.maxDiff.toFixed(3)}. Measured in Headstart with the int8 weights and each activation
      rounded to its int8 step (simulated in TF.js); the project&apos;s tests run the .tflite file itself in LiteRT.
    </p>
  );
}

function Outcome({ format, status }: { format: ExportFormat; status: FormatStatus | undefined }) {
  if (!status) return null;
  if (status.state === 'preparing') return <Progress format={format} progress={status.progress} />;
  if (status.state === 'failed') {
    return (
      <p role="alert" className="error" data-testid={`export-${format}-error`}>
        {status.error}
      </p>
    );
  }
  return (
    <>
      <p data-testid={`export-${format}-status`}>
        Downloaded {status.file}: the model is {mb(status.bytes)}, made in {(status.ms / 1000).toFixed(1)} s.
      </p>
      {status.int8 && <Int8Summary report={status.int8} bytes={status.bytes} />}
    </>
  );
}

export function FormatExport({ info, refused }: { info: FormatInfo; refused: boolean }) {
  const status = useModelFiles((s) => s.formats[info.format]);
  const busy = useModelFiles((s) => Object.values(s.formats).some((f) => f?.state === 'preparing'));
  return (
    <section className="export-format" aria-labelledby={`export-${info.format}-title`}>
      <h3 id={`export-${info.format}-title`}>{info.title}</h3>
      <p>{info.where}</p>
      <button type="button" data-testid={`export-${info.format}`} disabled={refused || busy} onClick={() => void exportFormat(info.format)}>
        {info.button}
      </button>
      <Outcome format={info.format} status={status} />
      <Snippets snippets={info.snippets} />
    </section>
  );
}
