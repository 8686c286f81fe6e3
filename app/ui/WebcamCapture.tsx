import { useEffect, useRef, useState } from 'react';
import { grabFrame } from '../platform/camera';
import { addFiles } from '../state/commands';
import { CameraPicker } from './CameraPicker';
import { HoldButton } from './HoldButton';
import { useCamera } from './useCamera';

/** Frames per second captured while the record button is held. */
const FPS = 8;

/** Webcam samples for one class: pick a camera, hold the button to record frames at a steady rate. */
export function WebcamCapture({ classId }: { classId: string }) {
  const [open, setOpen] = useState(false);
  const [count, setCount] = useState(0);
  const { video, cameras, inUse, choose, error } = useCamera(open);
  const frames = useRef<File[]>([]);
  const timer = useRef<number | null>(null);

  const start = () => {
    if (timer.current !== null) return;
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
    if (frames.current.length > 0) void addFiles(classId, frames.current);
    frames.current = [];
  };
  // Gone while recording (its class deleted): the clock stops with it.
  useEffect(() => () => window.clearInterval(timer.current ?? undefined), []);

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
        <CameraPicker cameras={cameras} inUse={inUse} choose={choose} />
        <HoldButton testId="hold-to-record" onStart={start} onStop={stop}>
          Hold to record
        </HoldButton>
        <span data-testid="webcam-count">{count} frames</span>
        <button
          type="button"
          onClick={() => {
            stop();
            setOpen(false);
          }}
        >
          Close
        </button>
      </div>
    </div>
  );
}
