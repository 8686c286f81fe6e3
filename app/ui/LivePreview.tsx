import { useEffect } from 'react';
import { grabCentreSquare } from '../platform/camera';
import { classifyFrame, reportFps, setLive, usePreview } from '../state/preview';
import { useStore } from '../state/store';
import { CameraPicker } from './CameraPicker';
import { CameraHeatMap } from './CameraHeatMap';
import { useCamera } from './useCamera';


/**
 * The camera, classified continuously: the next frame is taken only when the previous one has been
 * classified, so frames that arrive meanwhile are skipped and the page never queues work. The rate is
 * measured over the last two seconds.
 */
export function LivePreview() {
  const live = usePreview((s) => s.live);
  const fps = usePreview((s) => s.fps);
  const { video, cameras, inUse, choose, error } = useCamera(live);
  // Frames are grabbed at the model's input size: a larger one would only be copied and resized again.
  const inputSize = useStore((s) => s.model.info?.backbone.inputSize ?? 224);
  useEffect(() => {
    if (!live) return;
    let running = true;
    const done: number[] = [];
    void (async () => {
      while (running) {
        const frame = video.current && grabCentreSquare(video.current, inputSize);
        if (!frame) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        await classifyFrame(frame);
        const now = performance.now();
        done.push(now);
        while (done[0] < now - 2000) done.shift();
        if (running && done.length > 1) reportFps(((done.length - 1) * 1000) / (now - done[0]));
      }
    })();
    return () => {
      running = false;
    };
  }, [live, video, inputSize]);
  if (!live)
    return (
      <button type="button" data-testid="live-start" onClick={() => setLive(true)}>
        Live camera
      </button>
    );
  return (
    <div className="webcam" data-testid="live-preview">
      <video ref={video} muted playsInline width={224} height={168} aria-label="Live camera picture being classified" />
      <CameraHeatMap video={video} />
      {error && <p className="error">{error}</p>}
      <div className="webcam-controls">
        <CameraPicker cameras={cameras} inUse={inUse} choose={choose} />
        <span data-testid="live-fps">{fps === null ? 'Starting…' : `${fps.toFixed(1)} frames/s classified`}</span>
        <button type="button" data-testid="live-stop" onClick={() => setLive(false)}>
          Stop camera
        </button>
      </div>
    </div>
  );
}
