// Renders the PWA icons in public/icons/ from public/favicon.svg, with no dependencies:
// `node scripts/make-icons.mjs`. The favicon is one rounded <rect> and one straight-edged <path>
// (M/L/H/V commands, absolute or relative, closed with z), which is all this rasteriser reads.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const svg = readFileSync(join(root, 'public', 'favicon.svg'), 'utf8');

const attr = (tag, name) => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
const rectTag = /<rect\b[^>]*>/.exec(svg)?.[0];
const pathTag = /<path\b[^>]*>/.exec(svg)?.[0];
const viewBox = attr(/<svg\b[^>]*>/.exec(svg)?.[0] ?? '', 'viewBox')?.split(/\s+/).map(Number);
if (!rectTag || !pathTag || !viewBox) throw new Error('favicon.svg: expected a viewBox, one <rect> and one <path>');
const size = viewBox[2];
const rect = { w: Number(attr(rectTag, 'width')), h: Number(attr(rectTag, 'height')), rx: Number(attr(rectTag, 'rx') ?? 0), fill: attr(rectTag, 'fill') };
const glyphFill = attr(pathTag, 'fill');

/** The path's outline as one closed polygon of [x, y] points. */
function polygon(d) {
  const points = [];
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MLHVZmlhvz])([^MLHVZmlhvz]*)/g)) {
    const n = args.trim() ? args.trim().split(/[\s,]+/).map(Number) : [];
    const rel = cmd === cmd.toLowerCase();
    switch (cmd.toUpperCase()) {
      case 'M':
      case 'L':
        for (let i = 0; i < n.length; i += 2) {
          x = rel ? x + n[i] : n[i];
          y = rel ? y + n[i + 1] : n[i + 1];
          points.push([x, y]);
        }
        break;
      case 'H':
        for (const v of n) points.push([(x = rel ? x + v : v), y]);
        break;
      case 'V':
        for (const v of n) points.push([x, (y = rel ? y + v : v)]);
        break;
      case 'Z':
        break;
    }
  }
  return points;
}
const glyph = polygon(attr(pathTag, 'd') ?? '');

function inside(px, py, poly) {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function insideRoundedRect(px, py, { w, h, rx }) {
  if (px < 0 || py < 0 || px > w || py > h) return false;
  const cx = Math.min(Math.max(px, rx), w - rx);
  const cy = Math.min(Math.max(py, rx), h - rx);
  return (px - cx) ** 2 + (py - cy) ** 2 <= rx * rx;
}

/** '#rgb' or '#rrggbb' → [r, g, b]. */
function rgb(hex) {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  if (!/^[0-9a-f]{6}$/i.test(full)) throw new Error(`favicon.svg: unsupported fill ${hex}`);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
}

/** RGBA pixels, 4×4 supersampled. `maskable`: full-bleed square background (the glyph is inside the safe zone). */
function render(px, maskable) {
  const out = Buffer.alloc(px * px * 4);
  const bg = rgb(rect.fill);
  const fg = rgb(glyphFill);
  const S = 4;
  const scale = size / px;
  for (let j = 0; j < px; j++) {
    for (let i = 0; i < px; i++) {
      let cover = 0;
      let ink = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (i + (sx + 0.5) / S) * scale;
          const y = (j + (sy + 0.5) / S) * scale;
          if (maskable || insideRoundedRect(x, y, rect)) cover++;
          if (inside(x, y, glyph)) ink++;
        }
      }
      const a = cover / (S * S);
      const t = ink / Math.max(cover, 1);
      const o = (j * px + i) * 4;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(bg[c] * (1 - t) + fg[c] * t);
      out[o + 3] = Math.round(a * 255);
    }
  }
  return out;
}

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(px, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(px, 0);
  ihdr.writeUInt32BE(px, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(px * (px * 4 + 1));
  for (let y = 0; y < px; y++) rgba.copy(raw, y * (px * 4 + 1) + 1, y * px * 4, (y + 1) * px * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const outDir = join(root, 'public', 'icons');
mkdirSync(outDir, { recursive: true });
for (const [name, px, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['apple-touch-icon-180.png', 180, true],
]) {
  writeFileSync(join(outDir, name), png(px, render(px, maskable)));
  console.log(`public/icons/${name}`);
}
