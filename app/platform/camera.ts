/** The camera: choosing one (remembered on this device), opening it, and grabbing frames (JPEG files to add, pixels to classify). */
import type { FramePixels } from '../worker/protocol';

export interface CameraChoice {
  deviceId?: string;
  /** Phones: 'user' is the front camera, 'environment' the back one. */
  facingMode?: 'user' | 'environment';
}

/** localStorage key of the camera last chosen in this browser (the webcam capture and the live preview share it). */
const CHOICE_KEY = 'headstart.camera';
const FRONT: CameraChoice = { facingMode: 'user' };

/** The getUserMedia video constraints for a choice: a chosen device exactly, else the side asked for. */
export function cameraConstraints(choice: CameraChoice): MediaTrackConstraints {
  const video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } };
  if (choice.deviceId) video.deviceId = { exact: choice.deviceId };
  else if (choice.facingMode) video.facingMode = choice.facingMode;
  return video;
}

/** The camera chosen last time in this browser, else the front one. */
export function rememberedCamera(): CameraChoice {
  try {
    const saved = JSON.parse(localStorage.getItem(CHOICE_KEY) ?? 'null') as CameraChoice | null;
    if (saved && typeof saved.deviceId === 'string' && saved.deviceId) return { deviceId: saved.deviceId };
    if (saved && (saved.facingMode === 'user' || saved.facingMode === 'environment')) return { facingMode: saved.facingMode };
  } catch {
    // No localStorage (or a damaged value): the front camera, as on a first visit.
  }
  return FRONT;
}

export function rememberCamera(choice: CameraChoice): void {
  try {
    localStorage.setItem(CHOICE_KEY, JSON.stringify(choice));
  } catch {
    // Not remembered where localStorage is unavailable; the choice still holds for this page.
  }
}

/**
 * Opens the chosen camera. A remembered camera that is gone (unplugged, or the browser renamed its
 * id) gives way to the default one rather than to an error.
 */
export async function openCamera(choice: CameraChoice): Promise<MediaStream> {
  const open = (c: CameraChoice) => navigator.mediaDevices.getUserMedia({ video: cameraConstraints(c), audio: false });
  try {
    return await open(choice);
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    const gone = name === 'OverconstrainedError' || name === 'NotFoundError';
    if (choice.deviceId && gone) return open(FRONT);
    throw error;
  }
}

/** What the open camera is: its device id and, on phones, which side it faces. */
export function cameraInUse(stream: MediaStream): CameraChoice {
  const settings = stream.getVideoTracks()[0]?.getSettings() ?? {};
  const facing = settings.facingMode;
  return { deviceId: settings.deviceId || undefined, facingMode: facing === 'user' || facing === 'environment' ? facing : undefined };
}

/** Video inputs; labels appear once the user has allowed the camera. */
export async function listCameras(): Promise<MediaDeviceInfo[]> {
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
}

export function stopCamera(stream: MediaStream | null): void {
  stream?.getTracks().forEach((t) => t.stop());
}

/** The current video frame as a JPEG File (the centre square is what the model will see). */
export async function grabFrame(video: HTMLVideoElement, name: string): Promise<File | null> {
  if (video.videoWidth === 0) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')?.drawImage(video, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
  return blob && new File([blob], name, { type: 'image/jpeg' });
}

/**
 * The centre square of the current frame at `size` px (the model's input), as RGBA pixels: all the model
 * looks at, with no JPEG encoded here and decoded again in the worker. Drawn as images are at ingest
 * (decode.ts: high-quality smoothing), so a frame and a photo of the same scene give the same input.
 */
export function grabCentreSquare(video: HTMLVideoElement, size: number): FramePixels | null {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (w === 0 || h === 0) return null;
  const side = Math.min(w, h);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(video, (w - side) / 2, (h - side) / 2, side, side, 0, 0, size, size);
  return { rgba: ctx.getImageData(0, 0, size, size).data, size };
}
