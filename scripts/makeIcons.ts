/**
 * Draws the two Teams app icons into manifest/: a white speech bubble with a "?" on the accent colour
 * (color.png, 192×192, RGB) and the same bubble in white on transparent with the "?" cut out
 * (outline.png, 32×32, RGBA). No image library: shapes are sampled 4×4 per pixel for smooth edges and
 * written as PNG with node:zlib (every scanline uses filter type 0).
 *
 *   npx tsx scripts/makeIcons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

export const MANIFEST_DIR = resolve(__dirname, '..', 'manifest');
/** The manifest's accentColor; the colour icon's background. */
export const ACCENT = '#1B6AA8';

type Rgb = [number, number, number];

// ---------------------------------------------------------------------------------------------
// Shapes, in unit coordinates (0..1, y down)

interface Design {
  /** Bubble body: a rounded rectangle. */
  body: { x0: number; y0: number; x1: number; y1: number; radius: number };
  /** Bubble tail: a triangle below the body's lower-left. */
  tail: Array<[number, number]>;
  /** The "?": hook centre and radius, stroke width, stem length, dot radius. */
  mark: { cx: number; cy: number; r: number; stroke: number; stem: number; dot: number };
}

/** The 192 px icon: room around the bubble, as Teams crops the colour icon to a rounded square. */
const LARGE: Design = {
  body: { x0: 0.17, y0: 0.2, x1: 0.83, y1: 0.7, radius: 0.12 },
  tail: [[0.29, 0.66], [0.47, 0.66], [0.25, 0.85]],
  mark: { cx: 0.5, cy: 0.365, r: 0.085, stroke: 0.058, stem: 0.055, dot: 0.038 },
};

/** The 32 px outline: the bubble fills the frame and the "?" is bolder so it survives at 1:1. */
const SMALL: Design = {
  body: { x0: 0.03, y0: 0.06, x1: 0.97, y1: 0.76, radius: 0.16 },
  tail: [[0.16, 0.7], [0.42, 0.7], [0.1, 0.97]],
  mark: { cx: 0.5, cy: 0.29, r: 0.12, stroke: 0.1, stem: 0.07, dot: 0.065 },
};

function inRoundedRect(x: number, y: number, b: Design['body']): boolean {
  if (x < b.x0 || x > b.x1 || y < b.y0 || y > b.y1) return false;
  const dx = Math.max(b.x0 + b.radius - x, 0, x - (b.x1 - b.radius));
  const dy = Math.max(b.y0 + b.radius - y, 0, y - (b.y1 - b.radius));
  return dx * dx + dy * dy <= b.radius * b.radius;
}

function inTriangle(x: number, y: number, [a, b, c]: Array<[number, number]>): boolean {
  if (!a || !b || !c) return false;
  const side = (p: [number, number], q: [number, number]) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const s1 = side(a, b);
  const s2 = side(b, c);
  const s3 = side(c, a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
}

function inBubble(x: number, y: number, d: Design): boolean {
  return inRoundedRect(x, y, d.body) || inTriangle(x, y, d.tail);
}

/** "?": a hook from the left, over the top and down the right to the bottom centre, a stem, a dot. */
function inQuestionMark(x: number, y: number, d: Design): boolean {
  const { cx, cy, r, stroke, stem, dot } = d.mark;
  const half = stroke / 2;
  const near = (px: number, py: number, radius: number) => (x - px) ** 2 + (y - py) ** 2 <= radius * radius;
  // Hook: the ring minus its lower-left quarter (angles measured with y up).
  const dist = Math.hypot(x - cx, y - cy);
  const angle = Math.atan2(cy - y, x - cx);
  const onRing = Math.abs(dist - r) <= half && !(angle < -Math.PI / 2 || angle > Math.PI);
  const leftCap = near(cx - r, cy, half);
  const stemTop = cy + r;
  const onStem = Math.abs(x - cx) <= half && y >= stemTop && y <= stemTop + stem;
  const stemCap = near(cx, stemTop + stem, half);
  const dotCy = stemTop + stem + half + stroke * 0.9 + dot;
  return onRing || leftCap || onStem || stemCap || near(cx, dotCy, dot);
}

// ---------------------------------------------------------------------------------------------
// Rasterising

const SAMPLES = 4;

/** Fraction (0..1) of the pixel (px, py) of a size×size image covered by the shape. */
function coverage(px: number, py: number, size: number, inside: (x: number, y: number) => boolean): number {
  let hits = 0;
  for (let sy = 0; sy < SAMPLES; sy++) {
    for (let sx = 0; sx < SAMPLES; sx++) {
      if (inside((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size)) hits++;
    }
  }
  return hits / (SAMPLES * SAMPLES);
}

function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as Rgb;

/** Opaque RGB: accent background, white bubble, accent "?". */
export function drawColor(size = 192, accent = ACCENT): Buffer {
  const bg = hexToRgb(accent);
  const white: Rgb = [255, 255, 255];
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const bubble = coverage(x, y, size, (u, v) => inBubble(u, v, LARGE) && !inQuestionMark(u, v, LARGE));
      const [r, g, b] = mix(bg, white, bubble);
      pixels.set([r, g, b], (y * size + x) * 3);
    }
  }
  return encodePng(size, size, 'rgb', pixels);
}

/** RGBA: white everywhere, alpha = bubble coverage with the "?" cut out. */
export function drawOutline(size = 32): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const alpha = coverage(x, y, size, (u, v) => inBubble(u, v, SMALL) && !inQuestionMark(u, v, SMALL));
      // Fully transparent pixels are 0,0,0,0; every visible pixel is pure white.
      pixels.set(alpha > 0 ? [255, 255, 255, Math.round(alpha * 255)] : [0, 0, 0, 0], (y * size + x) * 4);
    }
  }
  return encodePng(size, size, 'rgba', pixels);
}

// ---------------------------------------------------------------------------------------------
// PNG encoding

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** 8-bit truecolour PNG; `pixels` is row-major RGB or RGBA. */
export function encodePng(width: number, height: number, mode: 'rgb' | 'rgba', pixels: Buffer): Buffer {
  const channels = mode === 'rgba' ? 4 : 3;
  const stride = width * channels;
  if (pixels.length !== stride * height) throw new Error(`expected ${stride * height} bytes of pixels, got ${pixels.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = mode === 'rgba' ? 6 : 2; // colour type: truecolour with / without alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type 0 (None) on every scanline
    pixels.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function writeIcons(dir = MANIFEST_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, Buffer]> = [
    ['color.png', drawColor()],
    ['outline.png', drawOutline()],
  ];
  return files.map(([name, png]) => {
    const path = join(dir, name);
    writeFileSync(path, png);
    return path;
  });
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  for (const path of writeIcons()) console.log(path);
}
