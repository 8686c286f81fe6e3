import { useRef, useState } from 'react';
import { grabFrame, type CameraChoice } from '../platform/camera';
import { addFiles } from '../state/commands';
import { useCamera } from './useCamera';

/** Frames per second captured while the record button is held. */
const FPS = 8;

/** Webcam samples for one class: pick a camera, hold the button to record frames at a steady rate. */
export function WebcamCapture({ classId }: { classId: string }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<CameraChoice>({ facingMode: 'user' });
  const [count, setCount] = useState(0);
  const { video, cameras, error } = useCamera(open, choice);
  const frames = useRef<File[]>([]);
  const timer = useRef<number | null>(null);

  const start = () => {
    frames.current = [];
    setCount(0);
    let lastTime = -1;
    timer.current = window.setInterval(async () => {
      // A busy machine may tick twice on one video frame: the same picture twice is refused as a duplicate.
      const current = video.current;
      if (!current || current.currentTime === lastTime) return;
      lastTime = current.currentTime;
      const frame = await grabFrame(current, `webcam-${Date.now()}-${frames.current.length + 1}.jpg`);
      if (frame && timer.current !== null) {
        frames.current.push(frame);
        setCount(frames.current.length);
      }
    }, 1000 / FPS);
  };
  const stop = () => {
    if (timer.current === null) return;
    window.clearInterval(timer.current);
    timer.current = null;
    void addFiles(classId, frames.current);
    frames.current = [];
  };

  if (!open)
    return (
      <button type="button" data-testid="webcam-open" onClick={() => setOpen(true)}>
        Webcam
      </button>
    );
  return (
    <div className="webcam" data-testid="webcam">
      <video ref={video} muted playsInline width={160} height={120} />
      {error && <p className="error">{error}</p>}
      <div className="webcam-controls">
        {cameras.length > 1 && (
          <select aria-label="Camera" value={choice.deviceId ?? ''} onChange={(e) => setChoice({ deviceId: e.target.value })}>
            {cameras.map((c, i) => (
              <option key={c.deviceId} value={c.deviceId}>
                {c.label || `Camera ${i + 1}`}
              </option>
            ))}
          </select>
        )}
        <button type="button" onClick={() => setChoice((c) => ({ facingMode: c.facingMode === 'environment' ? 'user' : 'environment' }))}>
          Front/back
        </button>
        <button
          type="button"
          data-testid="hold-to-record"
          onPointerDown={start}
          onPointerUp={stop}
          onPointerLeave={stop}
          onKeyDown={(e) => e.key === ' ' && !e.repeat && start()}
          onKeyUp={(e) => e.key === ' ' && stop()}
        >
          Hold to record
        </button>
        <span data-testid="webcam-count">{count} frames</span>
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </div>
  );
}
