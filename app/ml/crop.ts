/** Which part of an image the backbone sees. TF-free, so the decode worker can use it without TF.js. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest centred square of a width×height image (what the backbone sees, as in Teachable Machine). */
export function centreSquare(width: number, height: number): Rect {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}
