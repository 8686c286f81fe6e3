#!/usr/bin/env node
// npm run bench [-- --json] [--backends wasm,webgl,webgpu,cpu] [--images N] [--slow-images M] [--ci]
// npm run bench -- --threads [--images 300] [--rounds 2] [--camera-seconds 10] [--threaded N]: wasm 1 thread against N
// threads, same run (measureThreads): batch 1, live camera, ingest, training, first and return visit.
// npm run bench -- --litert: the backbone in LiteRT.js beside TF.js wasm, in Node (scripts/bench-litert.ts).
// Drives the production build in headless Chromium, one page per backend, and measures in the same run:
// backbone throughput (bare vs the app's ingest path), head training (device-resident loop vs a
// Teachable-Machine-style loop), memory, main-thread responsiveness, and what `auto` picks; and, in a
// fresh profile, the time from first load to first prediction with the sample dataset.
import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchOptions } from './browser.mjs';
import { buildTestApp, parseArgs, serveBuild, withApp } from './harness.mjs';

const args = parseArgs(process.argv.slice(2), ['json', 'ci', 'threads', 'litert']);
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

/** Records when the app's model stops loading (performance.now(): ms from the navigation's start), polled every 10 ms. */
function installReadyProbe() {
  const timer = setInterval(() => {
    const model = window.headstart?.state().model;
    if (model && model.status !== 'loading') {
      window.__modelSettled = { status: model.status, ms: performance.now() };
      clearInterval(timer);
    }
  }, 10);
}

/**
 * One visit of `url` in the browser profile `profile` (a folder: its IndexedDB, localStorage, HTTP and
 * service-worker caches), with Chromium's fake camera: the time to "Model ready" and how the backend was
 * chosen, then `fn(page)`. On a first visit it waits for the service worker to finish precaching, as a
 * user's first visit would before they come back.
 */
async function visit(profile, url, first, fn = null) {
  const context = await chromium.launchPersistentContext(profile, launchOptions({ webgpu: true, fakeCamera: true }));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.addInitScript(installReadyProbe);
    await page.addInitScript(installBenchImages);
    await page.goto(url);
    await page.waitForFunction(() => window.__modelSettled, null, { timeout: 600_000, polling: 100 });
    const load = await page.evaluate(() => ({
      ...window.__modelSettled,
      choice: window.headstart.state().model.info?.choice ?? null,
      error: window.headstart.state().model.error,
      serviceWorker: Boolean(navigator.serviceWorker?.controller),
    }));
    if (load.status !== 'ready') throw new Error(`the model did not load: ${load.error}`);
    log(`  ${first ? 'first' : 'return'} visit: Model ready at ${load.ms.toFixed(0)} ms (${load.choice.reason})`);
    if (first) {
      const precached = await page.evaluate(() => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((r) => setTimeout(() => r(false), 120_000))]));
      if (!precached) throw new Error('the service worker did not activate within 2 minutes');
    }
    return { load: { readyMs: load.ms, backend: load.choice.backend, reason: load.choice.reason, wasmThreads: load.choice.wasmThreads, serviceWorker: load.serviceWorker }, ...(fn ? await fn(page) : {}) };
  } finally {
    await context.close();
  }
}

/**
 * The issue's measures in a trained, returned-to page: batch-1 backbone ms, ingest img/s on `count`
 * synthetic images (decode → embed → cache → save; the mirrors follow behind) in 3 classes, the time
 * until the mirrors are done, training with the app's default settings on them, then the live camera
 * (Chromium's fake one) for `seconds`: frames classified
 * per second, counted as the predictions the page receives (each frame is one; the next frame is taken
 * only when that answer is back, LivePreview.tsx).
 */
async function measureInPage(page, count, seconds) {
  const r = await page.evaluate(async (count) => {
    const hs = window.headstart;
    const worker = hs.worker();
    await worker.benchBare(1, 4);
    const batch1Ms = 1000 / (await worker.benchBare(1, 16));
    const kernels = await worker.benchKernels();
    const files = await window.__benchImages(count);
    const ids = [hs.commands.addClass(), hs.commands.addClass(), hs.commands.addClass()];
    let started = performance.now();
    for (let c = 0; c < ids.length; c++) await hs.commands.addFiles(ids[c], files.filter((_, i) => i % ids.length === c));
    const ingestImgPerSec = count / ((performance.now() - started) / 1000);
    const ingested = (await worker.memory()).cachedEmbeddings;
    // Mirrors are embedded behind the ingest once the worker is idle (app/worker/mirrors.ts): wait for
    // them, so the training time is the head's own, as after a user's pause.
    const ingestedAt = performance.now();
    while ((await worker.memory()).mirrorsOwed > 0) await new Promise((r) => setTimeout(r, 100));
    const mirrorsBehindMs = performance.now() - ingestedAt;
    started = performance.now();
    await hs.commands.train();
    const training = hs.state().training;
    return { batch1Ms, ...kernels, ingestImgPerSec, mirrorsBehindMs, ingested, trainMs: performance.now() - started, trained: training.status, trainError: training.error, trainedApart: training.summary?.trainedApart ?? false };
  }, count);
  if (r.ingested !== count || r.trained !== 'trained') throw new Error(`ingested ${r.ingested}/${count}, training ${r.trained}: ${r.trainError}`);
  await page.getByTestId('live-start').click();
  await page.waitForFunction(() => window.headstart.state().prediction.status !== 'idle' && window.headstart.state().prediction.scores.length > 0, null, { timeout: 120_000, polling: 50 });
  const camera = await page.evaluate(async (seconds) => {
    let last = window.headstart.state().prediction;
    let frames = 0;
    let errors = 0;
    const started = performance.now();
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = window.headstart.state().prediction;
        if (now !== last) {
          if (now.status === 'done') frames++;
          else errors++;
          last = now;
        }
        if (performance.now() - started >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    return { cameraFps: frames / ((performance.now() - started) / 1000), cameraErrors: errors, shownFps: document.querySelector('[data-testid="live-fps"]')?.textContent ?? null };
  }, seconds);
  await page.getByTestId('live-stop').click();
  if (camera.cameraErrors > 0) throw new Error(`${camera.cameraErrors} camera frames failed`);
  return { ...r, ...camera };
}

/**
 * `--threads`: wasm single-threaded (?threads=1) against threaded (?threads=N, N = this machine's cores
 * capped at TF.js's pool of 8, or --threaded N) in the same run, alternating, each side in a fresh browser
 * profile per round: the first visit's and the return visit's time to "Model ready" (backend auto: a
 * first visit times its warm-ups, a return visit reuses the remembered choice and the service worker's
 * cache), then in the return visit measureInPage. The median over `rounds` per side, and the ratio.
 */
async function measureThreads(count, rounds, seconds, threadedCount) {
  const runs = { single: [], threaded: [] };
  const { url, close } = await serveBuild();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const threads of [1, threadedCount]) {
        log(`wasm ${threads} thread(s), round ${round + 1}/${rounds}: first visit, return visit, ${count} images, training, camera ${seconds} s…`);
        const profile = mkdtempSync(join(tmpdir(), 'headstart-bench-'));
        try {
          const page = `${url}?threads=${threads}`;
          const first = await visit(profile, page, true);
          const back = await visit(profile, page, false, (p) => measureInPage(p, count, seconds));
          if (!/remembered for this device/.test(back.load.reason)) throw new Error(`the return visit did not reuse the remembered backend: ${back.load.reason}`);
          const r = { wasmThreads: back.load.wasmThreads, uptime: loadAverage(), firstVisitMs: first.load.readyMs, firstVisit: first.load, returnVisitMs: back.load.readyMs, returnVisit: back.load, ...back };
          delete r.load;
          runs[threads === 1 ? 'single' : 'threaded'].push(r);
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await close();
  }
  const median = (xs) => {
    const sorted = xs.slice().sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
  };
  const keys = ['batch1Ms', 'hiddenMatMulUs', 'outputMatMulUs', 'biasAddUs', 'stepUs', 'cameraFps', 'ingestImgPerSec', 'mirrorsBehindMs', 'trainMs', 'firstVisitMs', 'returnVisitMs'];
  const side = (list) => ({ wasmThreads: list[0].wasmThreads, trainedApart: list.every((r) => r.trainedApart), ...Object.fromEntries(keys.map((k) => [k, median(list.map((r) => r[k]))])) });
  const single = side(runs.single);
  const threaded = side(runs.threaded);
  return {
    images: count,
    rounds,
    cameraSeconds: seconds,
    single,
    threaded,
    // Threaded over single-threaded speed: > 1 means threads are faster.
    speedup: {
      batch1: single.batch1Ms / threaded.batch1Ms,
      camera: threaded.cameraFps / single.cameraFps,
      ingest: threaded.ingestImgPerSec / single.ingestImgPerSec,
      mirrorsBehind: single.mirrorsBehindMs / threaded.mirrorsBehindMs,
      training: single.trainMs / threaded.trainMs,
      hiddenMatMul: single.hiddenMatMulUs / threaded.hiddenMatMulUs,
      outputMatMul: single.outputMatMulUs / threaded.outputMatMulUs,
      biasAdd: single.biasAddUs / threaded.biasAddUs,
      step: single.stepUs / threaded.stepUs,
      firstVisit: single.firstVisitMs / threaded.firstVisitMs,
      returnVisit: single.returnVisitMs / threaded.returnVisitMs,
    },
    runs,
  };
}

/** The 1-minute load average and the core count, so a reader knows how busy the machine was. */
function loadAverage() {
  return { load1: Number(loadavg()[0].toFixed(2)), cores: cpus().length };
}

function printThreads(t) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const row = (name, key, digits, scale = 1) => line([name, (t.single[key] / scale).toFixed(digits), (t.threaded[key] / scale).toFixed(digits), `${t.speedup[SPEEDUP_OF[key]].toFixed(2)}×`]);
  console.log(line(['wasm', '1 thread', `${t.threaded.wasmThreads} threads`, 'threaded speed-up']));
  console.log(line(['---', '---:', '---:', '---:']));
  console.log(row('batch-1 backbone ms/image', 'batch1Ms', 0));
  console.log(row(`live camera frames/s classified (fake camera, ${t.cameraSeconds} s)`, 'cameraFps', 1));
  console.log(row(`ingest img/s (${t.images} images)`, 'ingestImgPerSec', 1));
  console.log(row(`mirrors embedded behind, s after the ingest (${t.images} images)`, 'mirrorsBehindMs', 1, 1000));
  console.log(row(`training s (${t.images} images, default settings)`, 'trainMs', 1, 1000));
  console.log(row("  in the model's worker, a head's hidden matMul, 16×1792 · 1792×100, µs", 'hiddenMatMulUs', 0));
  console.log(row("  in the model's worker, a head's output matMul, 16×100 · 100×3, µs", 'outputMatMulUs', 1));
  console.log(row("  in the model's worker, a head's bias add, 16×100 + 100, µs", 'biasAddUs', 1));
  console.log(row("  in the model's worker, one head training step (batch 16: an epoch's time over its steps), µs", 'stepUs', 0));
  console.log(row('first visit: s to "Model ready" (fresh profile, auto)', 'firstVisitMs', 1, 1000));
  console.log(row('return visit: s to "Model ready" (remembered backend, service worker)', 'returnVisitMs', 1, 1000));
  console.log(`(heads trained in the fit worker, single-threaded: 1 thread ${t.single.trainedApart ? 'yes' : 'no'}, ${t.threaded.wasmThreads} threads ${t.threaded.trainedApart ? 'yes' : 'no'})`);
  const loads = [...t.runs.single, ...t.runs.threaded].map((r) => r.uptime.load1);
  console.log(`(median of ${t.rounds} round(s) per side, alternating; 1-min load average ${Math.min(...loads)}–${Math.max(...loads)} on ${t.runs.single[0].uptime.cores} cores during the runs)`);
}

const SPEEDUP_OF = { hiddenMatMulUs: 'hiddenMatMul', outputMatMulUs: 'outputMatMul', biasAddUs: 'biasAdd', stepUs: 'step', batch1Ms: 'batch1', cameraFps: 'camera', ingestImgPerSec: 'ingest', mirrorsBehindMs: 'mirrorsBehind', trainMs: 'training', firstVisitMs: 'firstVisit', returnVisitMs: 'returnVisit' };

/**
 * `--litert`: bundles scripts/bench-litert.ts (the app's TypeScript: the TFLite writer, the backbone
 * loader) into node_modules/.tmp and runs it in Node twice, LiteRT.js unthreaded and threaded (one
 * thread per core; its threaded build needs Node's relaxed-SIMD flag); each prints its results as JSON.
 */
async function measureLiteRt() {
  const { rolldown } = await import('rolldown');
  const out = 'node_modules/.tmp/bench-litert.cjs';
  const bundle = await rolldown({ input: 'scripts/bench-litert.ts', platform: 'node', external: (id) => !/^[./]/.test(id), logLevel: 'warn' });
  await bundle.write({ file: out, format: 'cjs', codeSplitting: false });
  await bundle.close();
  const runs = [];
  for (const threads of [0, cpus().length]) {
    log(`LiteRT.js (${threads ? `${threads} threads` : 'unthreaded'}) against TF.js wasm: the backbone at batch 1 and 16 on the sample photos, in Node…`);
    const flags = threads ? ['--experimental-wasm-relaxed-simd'] : [];
    const run = spawnSync(process.execPath, [...flags, out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24, env: { ...process.env, HEADSTART_LITERT_THREADS: String(threads) } });
    if (run.status !== 0) throw new Error(`bench-litert (${threads} threads) failed (exit ${run.status}): run node ${[...flags, out].join(' ')} to see why`);
    runs.push(JSON.parse(run.stdout.trim().split('\n').at(-1)));
  }
  return runs;
}

function printLiteRt(runs) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(line(['backbone embedding, Node', 'TF.js wasm ms/image', 'LiteRT.js ms/image', 'TF.js / LiteRT.js', 'max |diff|', 'agree ≤ 1e-4']));
  console.log(line(['---', '---:', '---:', '---:', '---:', '---']));
  for (const r of runs) {
    for (const row of r.rows) {
      const lrt = r.liteRtThreadCount > 1 ? `LiteRT ${r.liteRtThreadCount} threads` : 'LiteRT 1 thread';
      console.log(line([`batch ${row.batch}, ${lrt}`, row.tfjsMsPerImage.toFixed(1), row.liteRtMsPerImage.toFixed(1), `${(row.tfjsMsPerImage / row.liteRtMsPerImage).toFixed(2)}×`, row.maxAbsDiff.toExponential(1), row.agreeWithin1e4 ? 'yes' : 'no']));
    }
  }
  const r = runs[0];
  console.log(`(${r.photos} sample photos, median of ${r.reps} calls after a warm-up; ${runs.map((x) => `${x.engines.tfjs}; ${x.engines.liteRt}`).join(' / ')}; .tflite ${(r.rows[0].tfliteBytes / 1e6).toFixed(1)} MB; WebGPU: none in Node 20)`);
}

async function main() {
  if (args.threads || args.litert) {
    // The issue-21 measurements, each or both in one run (--threads --litert), nothing else.
    const out = {};
    if (args.threads) {
      log('building the app…');
      await buildTestApp();
      const threaded = Number(args.threaded ?? Math.min(cpus().length, 8));
      out.threads = await measureThreads(Number(args.images ?? 300), Number(args.rounds ?? 2), Number(args['camera-seconds'] ?? 10), threaded);
    }
    if (args.litert) out.litert = await measureLiteRt();
    if (args.json) console.log(JSON.stringify(out));
    else {
      if (out.threads) printThreads(out.threads);
      if (out.litert) printLiteRt(out.litert);
    }
    return;
  }
  log('building the app…');
  await buildTestApp();
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
