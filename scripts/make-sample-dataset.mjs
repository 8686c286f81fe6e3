#!/usr/bin/env node
// Builds the "Try a sample dataset" photos in public/samples/tuxpaint-photos/ from Debian's
// tuxpaint-stamps-default package, and the larger photo fixture the tests train on (e2e/fixtures/photos/,
// a superset: the same 12 per class first, then more). The output is committed, so nobody else needs the
// 160 MB package; this script says how it was made and makes it again:
//
//   (cd /tmp && apt-get download tuxpaint-stamps-default)
//   node scripts/make-sample-dataset.mjs --deb /tmp/tuxpaint-stamps-default_2022.06.04-1_all.deb
//   node scripts/make-sample-dataset.mjs --deb /tmp/tuxpaint-stamps-default_2022.06.04-1_all.deb --per-class 20 --out e2e/fixtures/photos
//
// --per-class N takes the first N picks of each class (default 12, the sample dataset); --out DIR writes
// there instead of public/samples/tuxpaint-photos (emptied first).
//
// Each picked stamp (a photo cut out on a transparent background) is flattened onto white, fitted
// into a 224 × 224 white square (the whole object stays in the centre square the backbone sees) and
// written as a JPEG, by headless Chromium's canvas (no image library needed). manifest.json lists the
// classes, files, source package and version, licence and each photo's credit, as the package's
// changelog gives it. Only photos whose changelog entry names no licence other than the package's
// own (GPL-2+, debian/copyright) are picked, or who have no entry at all (then only debian/copyright
// speaks for them); stamps the changelog says came from Wikipedia or stock-photo sites or under
// other terms (CC BY-SA, GFDL: the Kerala flowers, the pelican and herons, the helmeted guineafowl,
// Apricot/Cherry/Strawberry2, apricot, pineapple, grapes, sliced lime/orange) are left out.
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { launchOptions } from './browser.mjs';
import { parseArgs } from './harness.mjs';

const SET = 'tuxpaint-photos';
const SIZE = 224;
const QUALITY = 0.82;
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const SAMPLE_OUT = join(root, 'public', 'samples', SET);

/** Who the package's changelog (CHANGES.txt) credits, and in which release. */
const SF_ZOO = 'Bill Kendrick, photographed at the San Francisco Zoo (Tux Paint stamps 2005.November.25)';
const AUSTRALIAN = 'Chris Goerner, Australian stamps collection (Tux Paint stamps 2005.November.25)';
const CHILDSPLAY = 'Childsplay (GPL, © 2002–2005 Stas Zytkiewicz), adapted by Pere Pujal i Carabantes (Tux Paint stamps 2007.July.1)';
const AKKANA = 'Akkana Peck (Tux Paint stamps 2007.July.1)';
const COCO_RANCH = 'Tux Paint stamps 2002.October.9 (Coco Ranch farmers market)';
const COLLINS = 'Thanks to Jen and Ed Collins, Santa Rosa, California (Tux Paint stamps 2002.October.16)';
const OSULLIVAN = "John O'Sullivan (Tux Paint stamps 2002.November.12)";
const FEB_2008 = 'Tux Paint stamps 2008.February.27 (no author named)';
const NO_ENTRY = 'not in the package changelog; debian/copyright: © 2002–2022 Bill Kendrick and contributors, GPL-2+';

/**
 * class → [stamp path under usr/share/tuxpaint/stamps, without .png; credit]. The first twelve of each
 * are the sample dataset; the rest (to twenty) are only in the test fixture. Flowers and fruit have no
 * more photos that pass the licence rule above.
 */
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
    ['animals/birds/albino_peahen', SF_ZOO],
    ['animals/birds/little-penguin', AUSTRALIAN],
    ['animals/birds/drake', OSULLIVAN],
    ['animals/birds/guineafowl', OSULLIVAN],
    ['animals/birds/blackbird', CHILDSPLAY],
    ['animals/birds/crow', CHILDSPLAY],
    ['animals/birds/cuckoo', CHILDSPLAY],
    ['animals/birds/gander', CHILDSPLAY],
  ],
  flower: [
    ...Array.from({ length: 10 }, (_, i) => [`plants/flowers/flower${i + 1}`, AKKANA]),
    ['plants/flowers/daffodil', 'Caroline Ford (Tux Paint stamps 2014.August.13)'],
    ['plants/flowers/pigface', AUSTRALIAN],
    ['plants/flowers/anemone_red', FEB_2008],
    ['plants/flowers/yellow-flower', AUSTRALIAN],
    ['plants/flowers/iris', NO_ENTRY],
    ['plants/flowers/marigold', NO_ENTRY],
    ['plants/flowers/red-gazania', NO_ENTRY],
    ['plants/flowers/rose', NO_ENTRY],
    ['plants/flowers/whitestar-petunia', NO_ENTRY],
    ['plants/lavender', NO_ENTRY],
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
    ['food/fruit/apple_sierra_beauty', COCO_RANCH],
    ['food/fruit/avocado', FEB_2008],
    ['food/fruit/cherimoya', FEB_2008],
    ['food/fruit/orange_seville', FEB_2008],
    ['food/fruit/raspberry', 'Tux Paint stamps 2002.September.22'],
    ['food/fruit/apple_green', NO_ENTRY],
    ['plants/trees/rambutan', NO_ENTRY],
    ['food/vegetables/tomato', NO_ENTRY],
  ],
};

const args = parseArgs(process.argv.slice(2));
const perClass = Number(args['per-class'] ?? 12);
const most = Math.min(...Object.values(PICKS).map((p) => p.length));
if (!args.deb || !Number.isInteger(perClass) || perClass < 1 || perClass > most) {
  console.error(
    `usage: node scripts/make-sample-dataset.mjs --deb tuxpaint-stamps-default_VERSION_all.deb [--per-class N (1–${most}, default 12)] [--out DIR]  (apt-get download tuxpaint-stamps-default)`,
  );
  process.exit(2);
}
const out = args.out ? resolve(args.out) : SAMPLE_OUT;
const sample = out === SAMPLE_OUT;
const picked = Object.fromEntries(Object.entries(PICKS).map(([cls, picks]) => [cls, picks.slice(0, perClass)]));
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
  for (const [cls, picks] of Object.entries(picked)) {
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
    classes: Object.keys(picked),
    files: files.map(({ class: cls, file, credit, source }) => ({ class: cls, file, credit, source })),
    source: { package: pkg, version, distribution: 'Debian', upstream: 'Tux Paint stamps, https://tuxpaint.org/' },
    licence: 'GPL-2.0-or-later (debian/copyright: Files: * Copyright 2002-2022 Bill Kendrick, License: GPL-2; see copyright.txt and GPL-2.txt)',
    credit: `Photos from Tux Paint's stamps (Debian package ${pkg} ${version}), GPL-2.0-or-later`,
    made: `resized by scripts/make-sample-dataset.mjs${sample ? '' : ` --per-class ${perClass}`}: flattened onto white, fitted into ${SIZE}×${SIZE}, JPEG quality ${QUALITY}`,
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The same credits for people (the app links here).
  const credits = [
    sample
      ? `${manifest.name}: ${files.length} photos for Headstart's "Try a sample dataset".`
      : `${manifest.name}: ${files.length} photos, a test fixture of Headstart's (the sample dataset's photos and more).`,
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
  console.log(`${files.length} photos in ${Object.keys(picked).length} classes, ${(bytes / 1024).toFixed(0)} KiB, from ${pkg} ${version} → ${out}`);
} finally {
  await browser.close();
  rmSync(unpacked, { recursive: true, force: true });
}
