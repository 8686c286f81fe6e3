#!/usr/bin/env node
// npm run bench [-- --json] [--backends wasm,webgl,webgpu,cpu] [--images N] [--slow-images M] [--ci]
// npm run bench -- --threads [--images 300] [--rounds 2]: wasm 1 thread against threaded, same run (measureThreads).
// Drives the production build in headless Chromium, one page per backend, and measures in the same run:
// backbone throughput (bare vs the app's ingest path), head training (device-resident loop vs a
// Teachable-Machine-style loop), memory, main-thread responsiveness, and what `auto` picks; and, in a
// fresh profile, the time from first load to first prediction with the sample dataset.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildTestApp, parseArgs, withApp } from './harness.mjs';

const args = parseArgs(process.argv.slice(2), ['json', 'ci', 'threads']);
const ci = Boolean(args.ci);
const backends = (args.backends ?? (ci ? 'wasm' : 'wasm,webgl,webgpu,cpu')).split(',');
const images = Number(args.images ?? (ci ? 24 : 1000));
/** Backends far slower than the fastest ingest fewer images so a run ends (their images/s is still measured). */
const slowImages = Number(args['slow-images'] ?? (ci ? 8 : 24));
/** Epochs per head-training measurement (median): fewer on backends that are slow per step. */
const headEpochsFor = (name) => (ci || name !== 'wasm' ? 1 : 3);
const log = args.json ? () => {} : (m) => console.error(m);
const notes = [];

/** Collects long tasks and frame gaps on the main thread, between mark() and read(). */
function installPerfProbe() {
  const probe = { longest: 0, gaps: [], last: 0, on: false };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (probe.on) probe.longest = Math.max(probe.longest, e.duration);
  }).observe({ type: 'longtask', buffered: false });
  const frame = (t) => {
    if (probe.on && probe.last) probe.gaps.push(t - probe.last);
    probe.last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.__perfProbe = {
    mark() {
      probe.longest = 0;
      probe.gaps = [];
      probe.last = 0;
      probe.on = true;
    },
    read() {
      probe.on = false;
      const gaps = probe.gaps.slice().sort((a, b) => a - b);
      return { longestTaskMs: probe.longest, frameGapP95Ms: gaps.length ? gaps[Math.floor(0.95 * (gaps.length - 1))] : null };
    },
  };
}

/** window.__benchImages(count): unique synthetic 224 px PNGs, made before any timing starts. */
function installBenchImages() {
  window.__benchImages = async (count) => {
    const canvas = new OffscreenCanvas(224, 224);
    const ctx = canvas.getContext('2d');
    const files = [];
    for (let i = 0; i < count; i++) {
      ctx.fillStyle = `hsl(${(i * 47) % 360} 60% ${30 + (i % 5) * 10}%)`;
      ctx.fillRect(0, 0, 224, 224);
      ctx.fillStyle = `hsl(${(i * 13) % 360} 80% 60%)`;
      ctx.beginPath();
      ctx.arc(40 + (i % 150), 60 + ((i * 7) % 120), 20 + (i % 40), 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillText(String(i), 10, 210);
      files.push(new File([await canvas.convertToBlob({ type: 'image/png' })], `img${i}.png`, { type: 'image/png' }));
    }
    return files;
  };
}

async function measureBackend(name, count) {
  // Eager memory measurement: measureUserAgentSpecificMemory answers at once instead of at the next GC.
  const extraArgs = ['--enable-blink-features=ForceEagerMeasureMemory'];
  return withApp({ backend: name, skipBuild: true, log, extraArgs, beforeLoad: (page) => Promise.all([page.addInitScript(installPerfProbe), page.addInitScript(installBenchImages)]) }, async (page, info) => {
    return page.evaluate(
      async ({ count, headEpochs }) => {
        const hs = window.headstart;
        const worker = hs.worker();
        // JavaScript heap of the page and of its workers (the ML worker and the decoder): the
        // cross-origin-isolated page may measure both; otherwise only the page's own heap is known.
        const jsHeap = async () => {
          if (self.crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
            const m = await performance.measureUserAgentSpecificMemory();
            const js = m.breakdown.filter((b) => b.types.includes('JavaScript'));
            const sum = (scope) => js.filter((b) => b.attribution.some((a) => a.scope === scope)).reduce((n, b) => n + b.bytes, 0);
            const main = sum('Window');
            const workers = sum('DedicatedWorkerGlobalScope');
            return { total: main + workers, main, workers, source: 'measureUserAgentSpecificMemory' };
          }
          const main = performance.memory?.usedJSHeapSize ?? null;
          return { total: main, main, workers: null, source: 'performance.memory (page only)' };
        };
        const baselineTensors = (await worker.memory()).numTensors;
        const batch = await worker.embedBatch();
        const bare1 = await worker.benchBare(1, Math.min(8, count));
        // Bare throughput moves by ±15% within a minute on an idle 2-core VM, so it is measured right
        // before and right after the ingest, and the ingest is compared with their mean.
        const bareImages = Math.max(batch, Math.min(count, 4 * batch));
        const bareBefore = await worker.benchBare(batch, bareImages);
        const classes = 5;
        const files = await window.__benchImages(count);
        const ids = Array.from({ length: classes }, () => hs.commands.addClass());
        window.__perfProbe.mark();
        const started = performance.now();
        for (let c = 0; c < classes; c++) await hs.commands.addFiles(ids[c], files.filter((_, i) => i % classes === c));
        const ingestMs = performance.now() - started;
        const ingestPerf = window.__perfProbe.read();
        const afterIngest = await worker.memory();
        const heap = await jsHeap();
        const bareAfter = await worker.benchBare(batch, bareImages);
        const bareBatch = (bareBefore + bareAfter) / 2;
        hs.commands.updateSettings({ epochs: headEpochs * 2, refitOnAll: false });
        let peak = afterIngest.numBytes;
        let polling = true;
        const poll = (async () => {
          while (polling) {
            peak = Math.max(peak, (await worker.memory()).numBytes);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        window.__perfProbe.mark();
        await hs.commands.train();
        const trainPerf = window.__perfProbe.read();
        polling = false;
        await poll;
        const trained = hs.state().training;
        const head1000 = await worker.benchHead('ours', 1000, headEpochs);
        const ours5000 = await worker.benchHead('ours', 5000, headEpochs);
        const tm5000 = await worker.benchHead('tm', 5000, headEpochs);
        let fineTune = null;
        let fineTuneError = null;
        try {
          fineTune = await worker.benchFineTune(3);
        } catch (error) {
          fineTuneError = String(error?.message ?? error).split('\n')[0];
        }
        await hs.commands.deleteAllData();
        const afterDelete = (await worker.memory()).numTensors;
        return {
          batch,
          bare1ImgPerSec: bare1,
          bareImgPerSec: bareBatch,
          bareImgPerSecBefore: bareBefore,
          bareImgPerSecAfter: bareAfter,
          ingestImgPerSec: (afterIngest.cachedEmbeddings / ingestMs) * 1000,
          ingested: afterIngest.cachedEmbeddings,
          headEpochMs1000: head1000.epochMs,
          backbonePassMs1000: (1000 / bareBatch) * 1000,
          ourEpochMs5000: ours5000.epochMs,
          tmEpochMs5000: tm5000.epochMs,
          tensorBytesAfterIngest: afterIngest.numBytes,
          cacheBytesAfterIngest: afterIngest.cacheBytes,
          wasmHeapBytesAfterIngest: afterIngest.wasmHeapBytes,
          jsHeapBytesAfterIngest: heap.total,
          jsHeapMainBytes: heap.main,
          jsHeapWorkerBytes: heap.workers,
          jsHeapSource: heap.source,
          peakTensorBytesTraining: peak,
          trainStatus: trained.status,
          tensorsBaseline: baselineTensors,
          tensorsAfterDeleteAll: afterDelete,
          fineTuneStepMs: fineTune?.rows[1].stepMs ?? null,
          fineTune,
          fineTuneError,
          mainThread: { ingest: ingestPerf, training: trainPerf },
        };
      },
      { count, headEpochs: headEpochsFor(name) },
    ).then((r) => ({ ...r, reason: info.choice.reason }));
  });
}

/**
 * A newcomer's first minute: a fresh browser profile opens the app (backend `auto`), clicks "Try a
 * sample dataset", Train, and classifies one of the sample photos through the preview's picker.
 * Times are from the navigation's start (performance.now() in the page); `readyMs` is when the
 * runner saw the model ready (polled every 250 ms, so up to that much late).
 */
async function measureSampleFirstPrediction() {
  const dir = 'public/samples/tuxpaint-photos';
  const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8'));
  const photo = manifest.files[0];
  return withApp({ backend: 'auto', skipBuild: true, log }, async (page, info) => {
    const now = () => page.evaluate(() => performance.now());
    const readyMs = await now();
    await page.getByTestId('sample-dataset').click();
    await page.waitForFunction((total) => {
      const { classes, ingest } = window.headstart.state();
      return ingest === null && classes.reduce((n, c) => n + c.sampleIds.length, 0) === total;
    }, manifest.files.length, { timeout: 600_000, polling: 100 });
    const loadedMs = await now();
    await page.getByTestId('train-button').click();
    await page.waitForFunction(() => window.headstart.state().training.status === 'trained', null, { timeout: 600_000, polling: 100 });
    const trainedMs = await now();
    await page.getByTestId('predict-input').setInputFiles(`${dir}/${photo.file}`);
    await page.waitForFunction(() => window.headstart.state().prediction.status === 'done', null, { timeout: 600_000, polling: 50 });
    const predictedMs = await now();
    const top = await page.evaluate(() => window.headstart.state().prediction.scores[0]);
    const names = await page.evaluate(() => Object.fromEntries(window.headstart.state().classes.map((c) => [c.id, c.name])));
    return { backend: info.choice.backend, readyMs, loadedMs, trainedMs, predictedMs, predicted: names[top.classId] ?? top.classId, expected: photo.class };
  });
}

/**
 * `--threads`: wasm single-threaded (?threads=1) against threaded (one thread per core, capped by
 * TF.js's pool) in the same run, alternating, each in a fresh browser: batch-1 backbone ms, ingest
 * img/s on `count` synthetic images (decode → embed both views → cache → save), then training with
 * the app's default settings on those images. The median over `rounds` per side, and the ratio.
 */
async function measureThreads(count, rounds) {
  const runs = { single: [], threaded: [] };
  for (let round = 0; round < rounds; round++) {
    for (const threads of [1, null]) {
      log(`wasm ${threads === 1 ? '1 thread' : 'threaded'}, round ${round + 1}/${rounds}: ${count} images…`);
      const beforeLoad = (page) => page.addInitScript(installBenchImages);
      const r = await withApp({ backend: 'wasm', threads, skipBuild: true, log, beforeLoad }, async (page, info) => ({
        wasmThreads: info.choice.wasmThreads,
        ...(await page.evaluate(async (count) => {
          const hs = window.headstart;
          const worker = hs.worker();
          await worker.benchBare(1, 4);
          const batch1Ms = 1000 / (await worker.benchBare(1, 16));
          const files = await window.__benchImages(count);
          const ids = [hs.commands.addClass(), hs.commands.addClass(), hs.commands.addClass()];
          let started = performance.now();
          for (let c = 0; c < ids.length; c++) await hs.commands.addFiles(ids[c], files.filter((_, i) => i % ids.length === c));
          const ingestImgPerSec = count / ((performance.now() - started) / 1000);
          const ingested = (await worker.memory()).cachedEmbeddings;
          started = performance.now();
          await hs.commands.train();
          return { batch1Ms, ingestImgPerSec, ingested, trainMs: performance.now() - started, trained: hs.state().training.status };
        }, count)),
      }));
      if (r.ingested !== count || r.trained !== 'trained') throw new Error(`threads=${threads}: ingested ${r.ingested}/${count}, training ${r.trained}`);
      runs[threads === 1 ? 'single' : 'threaded'].push(r);
    }
  }
  const median = (xs) => {
    const sorted = xs.slice().sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
  };
  const side = (list) => ({
    wasmThreads: list[0].wasmThreads,
    batch1Ms: median(list.map((r) => r.batch1Ms)),
    ingestImgPerSec: median(list.map((r) => r.ingestImgPerSec)),
    trainMs: median(list.map((r) => r.trainMs)),
  });
  const single = side(runs.single);
  const threaded = side(runs.threaded);
  return {
    images: count,
    rounds,
    single,
    threaded,
    // Threaded over single-threaded speed: > 1 means threads are faster.
    speedup: { batch1: single.batch1Ms / threaded.batch1Ms, ingest: threaded.ingestImgPerSec / single.ingestImgPerSec, training: single.trainMs / threaded.trainMs },
    runs,
  };
}

function printThreads(t) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(line(['wasm', '1 thread', `${t.threaded.wasmThreads} threads`, 'threaded speed-up']));
  console.log(line(['---', '---:', '---:', '---:']));
  console.log(line(['batch-1 backbone ms/image', t.single.batch1Ms.toFixed(0), t.threaded.batch1Ms.toFixed(0), `${t.speedup.batch1.toFixed(2)}×`]));
  console.log(line([`ingest img/s (${t.images} images)`, t.single.ingestImgPerSec.toFixed(1), t.threaded.ingestImgPerSec.toFixed(1), `${t.speedup.ingest.toFixed(2)}×`]));
  console.log(line([`training s (${t.images} images, default settings)`, (t.single.trainMs / 1000).toFixed(1), (t.threaded.trainMs / 1000).toFixed(1), `${t.speedup.training.toFixed(2)}×`]));
  console.log(`(median of ${t.rounds} round(s) per side, alternating; live-camera frames/s not measured)`);
}

async function main() {
  log('building the app…');
  await buildTestApp();
  if (args.threads) {
    const t = await measureThreads(Number(args.images ?? 300), Number(args.rounds ?? 2));
    if (args.json) console.log(JSON.stringify(t));
    else printThreads(t);
    return;
  }
  log('first load → sample dataset → train → first prediction…');
  let firstPrediction = null;
  try {
    firstPrediction = await measureSampleFirstPrediction();
  } catch (error) {
    notes.push(`first prediction with the sample dataset: not measured: ${error.message.split('\n')[0]}`);
  }
  const results = {};
  for (const name of backends) {
    const count = name === 'wasm' ? images : Math.min(images, slowImages);
    log(`${name}: ingesting ${count} images…`);
    try {
      results[name] = await measureBackend(name, count);
      if (count < images) notes.push(`${name}: ingest measured on ${count} images (--slow-images) to keep the run short`);
    } catch (error) {
      results[name] = null;
      notes.push(`${name}: not measured: ${error.message.split('\n')[0]}`);
    }
  }
  log('auto: which backend does a fresh profile pick?');
  const auto = await withApp({ backend: 'auto', skipBuild: true, log }, async (page, info) => ({
    picked: info.choice.backend,
    reason: info.choice.reason,
    imgPerSec: await page.evaluate(async () => {
      const w = window.headstart.worker();
      // As many images as each backend's own bare measurement, so its noise is no larger.
      return w.benchBare(await w.embedBatch(), 64);
    }),
  }));
  const measured = Object.values(results).filter(Boolean).map((r) => r.bareImgPerSec);
  const fastest = Math.max(...measured, auto.imgPerSec);
  for (const [name, r] of Object.entries(results)) {
    if (name === 'wasm' && r?.jsHeapWorkerBytes) notes.push('wasm: the workers\' JS heap includes the WASM backend\'s linear memory (every tensor and the model weights), which grows to its peak and is not returned to the browser');
    if (r && r.jsHeapWorkerBytes === null) notes.push(`${name}: jsHeapBytesAfterIngest is the page's heap only (${r.jsHeapSource}); the workers' heap could not be measured`);
    if (r?.fineTuneError) notes.push(`${name}: fine-tuning step times are null: fine-tuning failed on this backend (${r.fineTuneError})`);
  }
  notes.push('fine-tuning: MobileNetV2 1.4 (the default backbone\'s layers twin), its last N blocks + Conv_1 and a Dense(100)→Dense(5) head trainable, on cached cut-point activations (7×7×224), batch 16, two Adams (blocks at 1/10 the rate); one warm-up step, then the median of 3; the forward pass is written from matMul/pad/slice so it has gradients on wasm');
  notes.push('head epochs use random embeddings of the backbone width (content does not change the work); backbonePassMs1000 = 1000 / bareImgPerSec');
  notes.push('bareImgPerSec is the mean of bare throughput measured just before and just after the ingest (bareImgPerSecBefore/After), so a drift in machine speed during the run does not decide the ingest/bare ratio');
  const out = {
    backends: Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        r,
      ]),
    ),
    auto: { picked: auto.picked, reason: auto.reason, imgPerSec: auto.imgPerSec, fractionOfFastest: auto.imgPerSec / fastest },
    mainThread: {
      longestTaskMs: Math.max(...Object.values(results).filter(Boolean).flatMap((r) => [r.mainThread.ingest.longestTaskMs, r.mainThread.training.longestTaskMs])),
      frameGapP95Ms: Math.max(...Object.values(results).filter(Boolean).flatMap((r) => [r.mainThread.ingest.frameGapP95Ms ?? 0, r.mainThread.training.frameGapP95Ms ?? 0])),
    },
    images,
    firstPrediction,
    notes,
  };
  if (args.json) console.log(JSON.stringify(out));
  else printTable(out);
  if (!ci) {
    mkdirSync('docs', { recursive: true });
    writeFileSync('docs/bench-latest.json', JSON.stringify(out, null, 2));
  }
  if (ci) checkShape(out);
}

function printTable(out) {
  const rows = [
    ['bare img/s (batch 1)', (r) => r.bare1ImgPerSec.toFixed(1)],
    ['bare img/s (app batch): before / after ingest', (r) => `${r.bareImgPerSecBefore.toFixed(1)} / ${r.bareImgPerSecAfter.toFixed(1)}`],
    ['bare img/s (app batch): mean', (r) => r.bareImgPerSec.toFixed(1)],
    ['ingest img/s (decode→embed→cache→save)', (r) => r.ingestImgPerSec.toFixed(1)],
    ['ingest / bare (mean)', (r) => (r.ingestImgPerSec / r.bareImgPerSec).toFixed(2)],
    ['head epoch ms, N=1000', (r) => r.headEpochMs1000.toFixed(0)],
    ['backbone pass ms, 1000 img', (r) => r.backbonePassMs1000.toFixed(0)],
    ['head epoch / backbone pass', (r) => `${((100 * r.headEpochMs1000) / r.backbonePassMs1000).toFixed(2)}%`],
    ['our epoch ms, N=5000', (r) => r.ourEpochMs5000.toFixed(0)],
    ['TM-style epoch ms, N=5000', (r) => r.tmEpochMs5000.toFixed(0)],
    ['TM-style / ours', (r) => (r.tmEpochMs5000 / r.ourEpochMs5000).toFixed(1) + '×'],
    ['tensor MB after ingest', (r) => (r.tensorBytesAfterIngest / 2 ** 20).toFixed(1)],
    ['peak tensor MB in training', (r) => (r.peakTensorBytesTraining / 2 ** 20).toFixed(1)],
    ['WASM linear memory MB after ingest', (r) => (r.wasmHeapBytesAfterIngest == null ? '–' : (r.wasmHeapBytesAfterIngest / 2 ** 20).toFixed(0))],
    ['JS heap MB after ingest: page + workers', (r) => (r.jsHeapBytesAfterIngest === null ? '–' : `${(r.jsHeapMainBytes / 2 ** 20).toFixed(1)} + ${r.jsHeapWorkerBytes === null ? '?' : (r.jsHeapWorkerBytes / 2 ** 20).toFixed(1)}`)],
    ['longest main task ms (ingest/train)', (r) => `${r.mainThread.ingest.longestTaskMs.toFixed(0)} / ${r.mainThread.training.longestTaskMs.toFixed(0)}`],
    ['frame gap p95 ms (ingest/train)', (r) => `${(r.mainThread.ingest.frameGapP95Ms ?? 0).toFixed(0)} / ${(r.mainThread.training.frameGapP95Ms ?? 0).toFixed(0)}`],
    ...[1, 2, 3].map((n) => [`fine-tune step ms, last ${n} block(s), batch 16`, (r) => (r.fineTune?.rows[n]?.stepMs == null ? 'n/a' : r.fineTune.rows[n].stepMs.toFixed(0))]),
    ['images ingested', (r) => String(r.ingested)],
    ['tensors: baseline → after delete all', (r) => `${r.tensorsBaseline} → ${r.tensorsAfterDeleteAll}`],
  ];
  const names = Object.keys(out.backends);
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(line(['measure', ...names]));
  console.log(line(['---', ...names.map(() => '---:')]));
  for (const [label, f] of rows) console.log(line([label, ...names.map((n) => (out.backends[n] ? f(out.backends[n]) : 'n/a'))]));
  const f = out.firstPrediction;
  if (f) {
    const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`\nfirst load → first prediction with the sample dataset (fresh profile, ${f.backend}): ${s(f.predictedMs)} (model ready ${s(f.readyMs)}, sample loaded ${s(f.loadedMs)}, trained ${s(f.trainedMs)}; predicted ${f.predicted}, expected ${f.expected})`);
  }
  console.log(`\nauto picked ${out.auto.picked} (${out.auto.reason}); ${(out.auto.fractionOfFastest * 100).toFixed(0)}% of the fastest throughput`);
  const memory = Object.values(out.backends).find((r) => r?.fineTune)?.fineTune;
  if (memory) {
    const mb = (b) => (b / 2 ** 20).toFixed(2);
    console.log('\n| adapted blocks | cut | frozen params | trainable params | Adam state MB (filtered) | Adam state MB (every variable) | cut cache KB/image |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of memory.rows)
      console.log(`| ${r.blocks} | ${r.cutLayer ?? 'embedding'} | ${r.frozenParams} | ${r.trainableParams} | ${mb(r.optimizerBytes)}${r.measuredOptimizerBytes == null ? '' : ` (measured ${mb(r.measuredOptimizerBytes)})`} | ${mb(r.optimizerBytesIfAll)} | ${r.cutBytesPerImage == null ? (1792 * 4 / 1024).toFixed(1) : (r.cutBytesPerImage / 1024).toFixed(1)} |`);
  }
  for (const n of out.notes) console.log(`note: ${n}`);
}

/** The reduced CI run checks the output is well-formed (no timing thresholds). */
function checkShape(out) {
  const keys = ['bareImgPerSec', 'ingestImgPerSec', 'headEpochMs1000', 'backbonePassMs1000', 'ourEpochMs5000', 'tmEpochMs5000', 'fineTuneStepMs', 'tensorBytesAfterIngest', 'jsHeapBytesAfterIngest'];
  const problems = [];
  for (const [name, r] of Object.entries(out.backends)) {
    if (!r) problems.push(`${name}: no result`);
    else
      for (const k of keys) {
        if (!(k in r)) problems.push(`${name}.${k} missing`);
        else if (r[k] !== null && !(typeof r[k] === 'number' && Number.isFinite(r[k]) && r[k] >= 0)) problems.push(`${name}.${k} = ${r[k]}`);
      }
    if (r && r.tensorsAfterDeleteAll !== r.tensorsBaseline) problems.push(`${name}: ${r.tensorsAfterDeleteAll} tensors after delete all, baseline ${r.tensorsBaseline}`);
  }
  if (!out.auto || typeof out.auto.picked !== 'string' || !(out.auto.fractionOfFastest > 0)) problems.push('auto missing');
  if (typeof out.mainThread?.longestTaskMs !== 'number') problems.push('mainThread missing');
  if (!(out.firstPrediction?.predictedMs > 0)) problems.push('firstPrediction missing');
  if (problems.length) {
    console.error(`bench: malformed output: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log('bench: 1 passed, 0 failed');
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error.message}`);
  process.exit(2);
});
