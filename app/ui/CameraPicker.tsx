import type { CameraChoice } from '../platform/camera';

interface Props {
  cameras: MediaDeviceInfo[];
  inUse: CameraChoice;
  choose: (choice: CameraChoice) => void;
}

/**
 * Which camera: a list where there are several (webcams; a phone's lenses), and on a phone (its
 * camera says which side it faces) a button for the other side.
 */
export function CameraPicker({ cameras, inUse, choose }: Props) {
  const facing = inUse.facingMode;
  return (
    <>
      {cameras.length > 1 && (
        <select aria-label="Camera" data-testid="camera-select" value={inUse.deviceId ?? ''} onChange={(e) => choose({ deviceId: e.target.value })}>
          {cameras.map((c, i) => (
            <option key={c.deviceId || i} value={c.deviceId}>
              {c.label || `Camera ${i + 1}`}
            </option>
          ))}
        </select>
      )}
      {facing && (
        <button type="button" data-testid="camera-flip" onClick={() => choose({ facingMode: facing === 'user' ? 'environment' : 'user' })}>
          {facing === 'user' ? 'Back camera' : 'Front camera'}
        </button>
      )}
    </>
  );
}
