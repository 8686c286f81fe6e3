import { useCallback, useEffect, useRef, useState } from 'react';
import { cameraInUse, listCameras, openCamera, rememberCamera, rememberedCamera, stopCamera, type CameraChoice } from '../platform/camera';

/**
 * Opens the camera into a <video> while `open` is true; stops it when closed or unmounted.
 * Starts with the camera last chosen in this browser; `choose` switches camera and remembers it.
 * `inUse` is the camera actually open (its device id, and on phones the side it faces).
 */
export function useCamera(open: boolean) {
  const video = useRef<HTMLVideoElement>(null);
  const [choice, setChoice] = useState<CameraChoice>(rememberedCamera);
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [inUse, setInUse] = useState<CameraChoice>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    let stream: MediaStream | null = null;
    let cancelled = false;
    openCamera(choice)
      .then(async (s) => {
        if (cancelled) return stopCamera(s);
        stream = s;
        const element = video.current;
        if (element) {
          // iOS plays a camera inline (not full screen) and without a tap only when it is muted
          // and playsinline; React sets `muted` as a property only, so the attribute is set here.
          element.defaultMuted = element.muted = true;
          element.playsInline = true;
          element.srcObject = s;
          await element.play().catch(() => undefined);
        }
        setError(null);
        setInUse(cameraInUse(s));
        setCameras(await listCameras());
      })
      .catch((e: Error) => setError(`The camera could not start: ${e.message}`));
    return () => {
      cancelled = true;
      stopCamera(stream);
    };
  }, [open, choice]);
  const choose = useCallback((next: CameraChoice) => {
    rememberCamera(next);
    setChoice(next);
  }, []);
  return { video, cameras, inUse, choose, error };
}
