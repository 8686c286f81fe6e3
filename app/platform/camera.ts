/** The camera: listing devices, opening one, and grabbing frames as JPEG files. */

export interface CameraChoice {
  deviceId?: string;
  /** Phones: 'user' is the front camera, 'environment' the back one. */
  facingMode?: 'user' | 'environment';
}

export async function openCamera(choice: CameraChoice): Promise<MediaStream> {
  const video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } };
  if (choice.deviceId) video.deviceId = { exact: choice.deviceId };
  else if (choice.facingMode) video.facingMode = choice.facingMode;
  return navigator.mediaDevices.getUserMedia({ video, audio: false });
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

/** The centre square of the current frame at `size` px, as a JPEG Blob: all the model looks at, and quick to encode. */
export async function grabCentreSquare(video: HTMLVideoElement, size: number): Promise<Blob | null> {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (w === 0 || h === 0) return null;
  const side = Math.min(w, h);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  canvas.getContext('2d')?.drawImage(video, (w - side) / 2, (h - side) / 2, side, side, 0, 0, size, size);
  return new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}
