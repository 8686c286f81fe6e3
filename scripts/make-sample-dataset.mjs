#!/usr/bin/env node
// Builds the "Try a sample dataset" photos in public/samples/tuxpaint-photos/ from Debian's
// tuxpaint-stamps-default package. The output is committed, so nobody else needs the 160 MB package;
// this script says how it was made and makes it again:
//
//   (cd /tmp && apt-get download tuxpaint-stamps-default)
//   node scripts/make-sample-dataset.mjs --deb /tmp/tuxpaint-stamps-default_2022.06.04-1_all.deb
//
// Each picked stamp (a photo cut out on a transparent background) is flattened onto white, fitted
// into a 224 × 224 white square (the whole object stays in the centre square the backbone sees) and
// written as a JPEG, by headless Chromium's canvas (no image library needed). manifest.json lists the
// classes, files, source package and version, licence and each photo's credit, as the package's
// changelog gives it. Only photos whose changelog entry names no licence other than the package's
// own (GPL-2+, debian/copyright) are picked; stamps the changelog says came from Wikipedia or
// stock-photo sites under other terms are left out.
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { launchOptions } from './browser.mjs';
import { parseArgs } from './harness.mjs';

const SET = 'tuxpaint-photos';
const SIZE = 224;
const QUALITY = 0.82;
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const out = join(root, 'public', 'samples', SET);

/** Who the package's changelog (CHANGES.txt) credits, and in which release. */
const SF_ZOO = 'Bill Kendrick, photographed at the San Francisco Zoo (Tux Paint stamps 2005.November.25)';
const AUSTRALIAN = 'Chris Goerner, Australian stamps collection (Tux Paint stamps 2005.November.25)';
const CHILDSPLAY = 'Childsplay (GPL, © 2002–2005 Stas Zytkiewicz), adapted by Pere Pujal i Carabantes (Tux Paint stamps 2007.July.1)';
const AKKANA = 'Akkana Peck (Tux Paint stamps 2007.July.1)';
const COCO_RANCH = 'Tux Paint stamps 2002.October.9 (Coco Ranch farmers market)';
const COLLINS = 'Thanks to Jen and Ed Collins, Santa Rosa, California (Tux Paint stamps 2002.October.16)';

/** class → [stamp path under usr/share/tuxpaint/stamps, without .png; credit]. Twelve each. */
const PICKS = {
  bird: [
    ['animals/birds/adelaide-rosella', AUSTRALIAN],
    ['animals/birds/crowned_crane', SF_ZOO],
    ['animals/birds/duck', CHILDSPLAY],
    ['animals/birds/magellanic_penguin', SF_ZOO],
    ['animals/birds/magpie', AUSTRALIAN],
    ['animals/birds/ostrich', SF_ZOO],
    ['animals/birds/owl', CHILDSPLAY],
    ['animals/birds/peacock', SF_ZOO],
    ['animals/birds/pink_flamingo', SF_ZOO],
    ['animals/birds/rainbow-lorikeet', AUSTRALIAN],
    ['animals/birds/silver-gull', AUSTRALIAN],
    ['animals/birds/tucan', CHILDSPLAY],
  ],
  flower: [
    ...Array.from({ length: 10 }, (_, i) => [`plants/flowers/flower${i + 1}`, AKKANA]),
    ['plants/flowers/daffodil', 'Caroline Ford (Tux Paint stamps 2014.August.13)'],
    ['plants/flowers/pigface', AUSTRALIAN],
  ],
  fruit: [
    ['food/fruit/apple_fuji', COCO_RANCH],
    ['food/fruit/apple_granny_smith', COCO_RANCH],
    ['food/fruit/apple_red', 'Tux Paint stamps 2002.September.8'],
    ['food/fruit/banana', 'Tux Paint stamps 2002.October.6'],
    ['food/fruit/kiwi', 'Tux Paint stamps 2008.February.27'],
    ['food/fruit/lemon', AUSTRALIAN],
    ['food/fruit/mandarine', AUSTRALIAN],
    ['food/fruit/mango', COLLINS],
    ['food/fruit/orange', 'Tux Paint stamps 2002.September.8'],
    ['food/fruit/pear', COLLINS],
    ['food/fruit/pomegranate', COLLINS],
    ['food/fruit/strawberry', COLLINS],
  ],
};

const args = parseArgs(process.argv.slice(2));
if (!args.deb) {
  console.error('usage: node scripts/make-sample-dataset.mjs --deb tuxpaint-stamps-default_VERSION_all.deb  (apt-get download tuxpaint-stamps-default)');
  process.exit(2);
}
const pkg = execFileSync('dpkg-deb', ['-f', args.deb, 'Package'], { encoding: 'utf8' }).trim();
const version = execFileSync('dpkg-deb', ['-f', args.deb, 'Version'], { encoding: 'utf8' }).trim();
const unpacked = mkdtempSync(join(tmpdir(), 'tuxpaint-'));
const browser = await chromium.launch(launchOptions());
try {
  execFileSync('dpkg-deb', ['-x', args.deb, unpacked]);
  const stamps = join(unpacked, 'usr/share/tuxpaint/stamps');
  const doc = join(unpacked, 'usr/share/doc', pkg);
  rmSync(out, { recursive: true, force: true });
  const page = await browser.newPage();
  const files = [];
  for (const [cls, picks] of Object.entries(PICKS)) {
    mkdirSync(join(out, cls), { recursive: true });
    for (const [stamp, credit] of picks) {
      const name = `${stamp.split('/').at(-1)}.jpg`;
      const png = readFileSync(join(stamps, `${stamp}.png`)).toString('base64');
      const jpeg = await page.evaluate(
        async ({ png, size, quality }) => {
          const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
          const canvas = new OffscreenCanvas(size, size);
          const ctx = canvas.getContext('2d');
          ctx.fillStyle = '#fff';
          ctx.fillRect(0, 0, size, size);
          ctx.imageSmoothingQuality = 'high';
          const scale = Math.min(size / bitmap.width, size / bitmap.height);
          const [w, h] = [Math.round(bitmap.width * scale), Math.round(bitmap.height * scale)];
          ctx.drawImage(bitmap, Math.floor((size - w) / 2), Math.floor((size - h) / 2), w, h);
          const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality })).arrayBuffer());
          return { jpeg: btoa(String.fromCharCode(...bytes)), from: [bitmap.width, bitmap.height] };
        },
        { png, size: SIZE, quality: QUALITY },
      );
      writeFileSync(join(out, cls, name), Buffer.from(jpeg.jpeg, 'base64'));
      files.push({ class: cls, file: `${cls}/${name}`, source: `/usr/share/tuxpaint/stamps/${stamp}.png`, sourceSize: jpeg.from, credit });
    }
  }
  // The licence travels with the photos: the package's copyright file and the GPL-2 text.
  copyFileSync(join(doc, 'copyright'), join(out, 'copyright.txt'));
  copyFileSync('/usr/share/common-licenses/GPL-2', join(out, 'GPL-2.txt'));
  const manifest = {
    name: 'Birds, flowers and fruit',
    classes: Object.keys(PICKS),
    files: files.map(({ class: cls, file, credit, source }) => ({ class: cls, file, credit, source })),
    source: { package: pkg, version, distribution: 'Debian', upstream: 'Tux Paint stamps, https://tuxpaint.org/' },
    licence: 'GPL-2.0-or-later (debian/copyright: Files: * Copyright 2002-2022 Bill Kendrick, License: GPL-2; see copyright.txt and GPL-2.txt)',
    credit: `Photos from Tux Paint's stamps (Debian package ${pkg} ${version}), GPL-2.0-or-later`,
    made: `resized by scripts/make-sample-dataset.mjs: flattened onto white, fitted into ${SIZE}×${SIZE}, JPEG quality ${QUALITY}`,
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The same credits for people (the app links here).
  const credits = [
    `${manifest.name}: ${files.length} photos for Headstart's "Try a sample dataset".`,
    '',
    `Source: Debian package ${pkg} ${version} (Tux Paint stamps, https://tuxpaint.org/).`,
    `Licence: ${manifest.licence}.`,
    `Made: ${manifest.made}. The originals are the PNGs named below, in that package and in Debian's tuxpaint-stamps source package.`,
    '',
    'Credits, as the package changelog (CHANGES.txt) gives them:',
    ...files.map((f) => `  ${f.file} (from ${f.source}): ${f.credit}`),
    '',
  ].join('\n');
  writeFileSync(join(out, 'credits.txt'), credits);
  const bytes = files.reduce((n, f) => n + statSync(join(out, f.file)).size, 0);
  console.log(`${files.length} photos in ${Object.keys(PICKS).length} classes, ${(bytes / 1024).toFixed(0)} KiB, from ${pkg} ${version} → ${out}`);
} finally {
  await browser.close();
  rmSync(unpacked, { recursive: true, force: true });
}
