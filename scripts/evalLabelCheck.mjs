// npm run eval -- --data DIR --label-check [--json] [--settings JSON] [--noise F [--seeds N]] [--synthetic N[,N…]]
// Check labels on a folder, through the app: DIR/train/<class>/* are added as a project (so identical files
// are refused as in the app, and listed as duplicates by their content hash), then the worker's checkLabels
// (app/worker/labelCheck.ts) scores every image. Prints the likely label errors, most suspect first, and the
// pairs of (nearly) the same picture; --json gives { suspects: [{ file, givenClass, suggestedClass, score }],
// duplicates: [[file, file], …], … } with `file` the path under train/.
// --noise F measures it: for each seed 1..N, a share F of the labels is flipped to another class (seeded,
// app/ml/labelCheck.ts's flipLabels), the images are moved there in the app, and Check labels runs: the
// precision and recall of its top 2×(flipped) suspects and of the images it flags; then the test accuracy
// of the default head trained on the clean labels, on the noisy ones, and on the noisy ones with the
// flagged images moved to the class Check labels suggests.
// --synthetic N times Check labels' work on N made-up embeddings (the content does not change the work).
import { FILES_PREFIX } from './harness.mjs';

export async function runLabelCheckEval(page, { train, test, overrides, noise, seeds, synthetic }) {
  return page.evaluate(
    async ({ train, test, prefix, overrides, noise, seeds, synthetic }) => {
      const hs = window.headstart;
      const worker = hs.worker();
      const load = async (path) => {
        const res = await fetch(prefix + path.split('/').map(encodeURIComponent).join('/'));
        if (!res.ok) throw new Error(`could not read ${path}`);
        const blob = await res.blob();
        return new File([blob], path.split('/').pop(), { type: blob.type });
      };
      const timings = [];
      for (const n of synthetic) timings.push({ images: n, ...(await worker.labelCheckTiming(n, Object.keys(train).length)) });
      const classes = Object.keys(train);
      hs.commands.updateSettings({ ...hs.recipes.default, ...overrides });
      const ids = {};
      for (const name of classes) {
        ids[name] = hs.commands.addClass();
        hs.commands.renameClass(ids[name], name);
      }
      // Files with the same bytes: the app keeps the first and refuses the others, so they are paired here by the same hash.
      const hex = async (file) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer())), (b) => b.toString(16).padStart(2, '0')).join('');
      const firstWithHash = new Map();
      const hashPairs = [];
      for (const name of classes) {
        const files = await Promise.all(train[name].map(load));
        for (const [i, file] of files.entries()) {
          const path = train[name][i].slice('train/'.length);
          const h = await hex(file);
          if (firstWithHash.has(h)) hashPairs.push([firstWithHash.get(h), path]);
          else firstWithHash.set(h, path);
        }
        await hs.commands.addFiles(ids[name], files);
      }
      const classIds = classes.map((c) => ids[c]);
      const samples = () => hs.state().samples;
      const pathOf = (id) => `${classes[classIds.indexOf(samples()[id].classId)]}/${samples()[id].name}`;
      const check = () => worker.checkLabels({ classIds, settings: hs.state().settings });
      const first = await check();
      const report = {
        classes,
        images: first.images,
        folds: first.folds,
        checkMs: first.ms,
        duplicateCosine: first.duplicateCosine,
        suspects: first.suspects.slice(0, first.flagged).map((s) => ({ file: pathOf(s.sampleId), givenClass: classes[s.given], suggestedClass: classes[s.suggested], score: s.score })),
        duplicates: [...hashPairs, ...first.duplicates.map((d) => [pathOf(d.a), pathOf(d.b)])],
        backend: hs.state().model.info.choice.backend,
        timings,
        noise: null,
      };
      if (!noise) return report;

      // The measurement: flip, check, train, fix, train; then every image back to its own class.
      const sampleIds = Object.keys(samples());
      const truth = sampleIds.map((id) => classIds.indexOf(samples()[id].classId));
      const moveTo = async (labels) => {
        for (const [c, classId] of classIds.entries()) {
          const moving = sampleIds.filter((id, p) => labels[p] === c && samples()[id].classId !== classId);
          if (moving.length > 0) await hs.commands.moveSamples(moving, classId);
        }
      };
      const testPairs = Object.entries(test).flatMap(([c, paths]) => paths.map((p) => [classes.indexOf(c), p]));
      const embedded = await worker.embedImages(await Promise.all(testPairs.map(([, p]) => load(p))));
      const accuracy = async () => {
        await hs.commands.train();
        const training = hs.state().training;
        if (training.status !== 'trained') throw new Error(`training ended as ${training.status}: ${training.error}`);
        const order = training.summary.classIds.map((id) => classIds.indexOf(id));
        const predicted = await worker.predictEmbedded(embedded.dim, embedded.plain, embedded.mirrored);
        return predicted.filter((p, i) => order[p] === testPairs[i][0]).length / testPairs.length;
      };
      const runs = [];
      for (let seed = 1; seed <= seeds; seed++) {
        hs.commands.updateSettings({ seed });
        const clean = await accuracy();
        const { labels, flipped } = await worker.flipLabels(truth, classes.length, noise, seed);
        await moveTo(labels);
        const r = await check();
        const wrong = new Set(flipped.map((p) => sampleIds[p]));
        const hitsIn = (list) => list.filter((s) => wrong.has(s.sampleId)).length;
        const top = r.suspects.slice(0, 2 * flipped.length);
        const flagged = r.suspects.slice(0, r.flagged);
        const suggestedRight = flagged.filter((s) => wrong.has(s.sampleId) && s.suggested === truth[sampleIds.indexOf(s.sampleId)]).length;
        const noisy = await accuracy();
        const fixed = labels.slice();
        for (const s of flagged) fixed[sampleIds.indexOf(s.sampleId)] = s.suggested;
        await moveTo(fixed);
        const cleaned = await accuracy();
        await moveTo(truth);
        runs.push({
          seed,
          flipped: flipped.length,
          top2x: { precision: hitsIn(top) / top.length, recall: hitsIn(top) / flipped.length },
          flagged: { count: flagged.length, precision: flagged.length ? hitsIn(flagged) / flagged.length : 0, recall: hitsIn(flagged) / flipped.length, suggestedRight },
          accuracy: { clean, noisy, fixed: cleaned },
          checkMs: r.ms,
        });
      }
      report.noise = { fraction: noise, testImages: testPairs.length, runs };
      return report;
    },
    { train, test, prefix: FILES_PREFIX, overrides, noise, seeds, synthetic },
  );
}

/** The report, as JSON or as lines to read. */
export function reportLabelCheck(result, summarise, json) {
  if (result.noise) {
    const runs = result.noise.runs;
    const pick = (f) => summarise(runs.map(f));
    result.noise.summary = {
      top2xPrecision: pick((r) => r.top2x.precision),
      top2xRecall: pick((r) => r.top2x.recall),
      flaggedPrecision: pick((r) => r.flagged.precision),
      flaggedRecall: pick((r) => r.flagged.recall),
      accuracyClean: pick((r) => r.accuracy.clean),
      accuracyNoisy: pick((r) => r.accuracy.noisy),
      accuracyFixed: pick((r) => r.accuracy.fixed),
      checkMs: pick((r) => r.checkMs),
    };
  }
  if (json) return console.log(JSON.stringify(result));
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  console.log(`Check labels: ${result.images} images, ${result.folds} folds, ${(result.checkMs / 1000).toFixed(1)} s on ${result.backend}`);
  console.log(`${result.suspects.length} likely label errors, most suspect first:`);
  for (const s of result.suspects) console.log(`  ${s.file}: labelled ${s.givenClass}, looks like ${s.suggestedClass} (${s.score.toFixed(2)})`);
  console.log(`${result.duplicates.length} pairs of the same picture (cosine ≥ ${result.duplicateCosine} or the same file):`);
  for (const [a, b] of result.duplicates) console.log(`  ${a} = ${b}`);
  for (const t of result.timings) console.log(`synthetic ${t.images} images: ${(t.ms / 1000).toFixed(1)} s (folds ${(t.foldsMs / 1000).toFixed(1)} s, duplicates ${(t.duplicatesMs / 1000).toFixed(2)} s)`);
  if (result.noise) {
    const s = result.noise.summary;
    const m = (x) => `${pct(x.mean)} ± ${pct((x.max - x.min) / 2)}`;
    console.log(`${pct(result.noise.fraction)} of the labels flipped, ${result.noise.runs.length} seed(s):`);
    console.log(`  top 2×flipped: precision ${m(s.top2xPrecision)}, recall ${m(s.top2xRecall)}; flagged: precision ${m(s.flaggedPrecision)}, recall ${m(s.flaggedRecall)}`);
    console.log(`  test accuracy: clean ${m(s.accuracyClean)}, noisy ${m(s.accuracyNoisy)}, flagged moved ${m(s.accuracyFixed)}`);
  }
}
