/** Image files made on the fly for bad-input tests (valid and broken PNG/GIF bytes). */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A real greyscale PNG of the given size (a solid colour, so even 12000×12000 compresses small). */
export function solidPng(width: number, height: number, grey = 128): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(width + 1, grey);
  row[0] = 0; // filter: none
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A two-frame, looping animated GIF (1×1: red, then blue). */
export function animatedGif(): Buffer {
  const frame = (colourIndex: number) => [
    0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00, // graphic control: 100 ms
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, // image descriptor 1×1
    0x02, 0x02, colourIndex === 0 ? 0x44 : 0x4c, 0x01, 0x00, // LZW data: clear, index, end
  ];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'ascii'), 1, 0, 1, 0, 0x80, 0, 0, // 1×1, global colour table of 2
    0xff, 0, 0, 0, 0, 0xff, // red, blue
    0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'ascii'), 0x03, 0x01, 0x00, 0x00, 0x00, // loop forever
    ...frame(0),
    ...frame(1),
    0x3b,
  ]);
}
