import { useEffect, useRef, useState } from 'react';
import { listCameras, openCamera, stopCamera, type CameraChoice } from '../platform/camera';

/** Opens the chosen camera into a <video> while `open` is true; stops it when closed or unmounted. */
export function useCamera(open: boolean, choice: CameraChoice) {
  const video = useRef<HTMLVideoElement>(null);
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    let stream: MediaStream | null = null;
    let cancelled = false;
    openCamera(choice)
      .then(async (s) => {
        if (cancelled) return stopCamera(s);
        stream = s;
        if (video.current) {
          video.current.srcObject = s;
          await video.current.play().catch(() => undefined);
        }
        setError(null);
        setCameras(await listCameras());
      })
      .catch((e: Error) => setError(`The camera could not start: ${e.message}`));
    return () => {
      cancelled = true;
      stopCamera(stream);
    };
  }, [open, choice]);
  return { video, cameras, error };
}
