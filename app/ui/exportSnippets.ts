/**
 * Code shown in the export dialog for using an exported model elsewhere. Tests run these exact texts
 * against real exported files (e2e/export-model.spec.ts, app/ml/exportSnippets.test.ts), so keep them
 * self-contained. Each does what Headstart does to an image: the centred square, 224×224, transparent
 * pixels on white, then Teachable Machine's scaling x / 127 − 1 (the model's first layer undoes it).
 */

/** Browser JavaScript: an <img> → the canvas a model export expects (before its x / 127 − 1 scaling). */
export const SQUARE = `// The centred square of the image at size×size, transparent pixels on white (as Headstart sees it).
function square(img, size) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, size, size);
  const side = Math.min(img.naturalWidth, img.naturalHeight);
  g.drawImage(img, (img.naturalWidth - side) / 2, (img.naturalHeight - side) / 2, side, side, 0, 0, size, size);
  return canvas;
}`;

/** Plain HTML with script tags: Teachable Machine's library (and the TF.js 1.3.1 it pins). */
export const HTML_SNIPPET = `<!-- Beside this page: tf.min.js (@tensorflow/tfjs@1.3.1/dist), teachablemachine-image.min.js
     (@teachablemachine/image@0.8.5/dist), the unzipped export in model/, and photo.png. -->
<script src="tf.min.js"></script>
<script src="teachablemachine-image.min.js"></script>
<img id="photo" src="photo.png" alt="">
<pre id="result"></pre>
<script>
${SQUARE.replace(/^/gm, '  ')}
  const photo = document.getElementById('photo');
  photo.decode().then(async () => {
    const model = await tmImage.load('model/model.json', 'model/metadata.json');
    const scores = await model.predict(square(photo, model.getMetadata().imageSize));
    document.getElementById('result').textContent = JSON.stringify(scores);
  });
</script>`;

/** An ES module for an app that bundles the npm package @tensorflow/tfjs (tested with 4.22). */
export const MODULE_SNIPPET = `import * as tf from '@tensorflow/tfjs';

const base = 'model/'; // where the unzipped export is served
const metadata = await (await fetch(base + 'metadata.json')).json();
const model = await tf.loadLayersModel(base + 'model.json');

/** Class probabilities for an <img>, <canvas> or ImageBitmap, in metadata.labels order. */
export async function classify(image) {
  const size = metadata.imageSize;
  const canvas = new OffscreenCanvas(size, size);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, size, size);
  const w = image.naturalWidth ?? image.width;
  const h = image.naturalHeight ?? image.height;
  const side = Math.min(w, h);
  g.drawImage(image, (w - side) / 2, (h - side) / 2, side, side, 0, 0, size, size);
  const scores = tf.tidy(() => model.predict(tf.browser.fromPixels(canvas).toFloat().div(127).sub(1).expandDims(0)));
  const probabilities = await scores.data();
  scores.dispose();
  return metadata.labels.map((label, i) => ({ label, probability: probabilities[i] }));
}`;

/** Node: @tensorflow/tfjs and the pure-JS decoder pngjs (jpeg-js reads JPEGs the same way). */
export const NODE_SNIPPET = `// node classify.mjs model/ photo.png    (npm install @tensorflow/tfjs pngjs)
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, imageFile] = process.argv.slice(2);
const read = (name) => readFileSync(join(dir, name));
const metadata = JSON.parse(read('metadata.json'));
const json = JSON.parse(read('model.json'));
const weights = Buffer.concat(json.weightsManifest[0].paths.map(read));
const model = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest[0].weights,
  weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
}));

// Decode; transparent pixels on white; the centred square at imageSize; x / 127 - 1.
const png = PNG.sync.read(readFileSync(imageFile));
const rgb = new Float32Array(png.width * png.height * 3);
for (let i = 0, o = 0; i < png.data.length; i += 4) {
  const a = png.data[i + 3] / 255;
  for (let c = 0; c < 3; c++) rgb[o++] = (png.data[i + c] / 255) * a + (1 - a);
}
const side = Math.min(png.width, png.height);
const scores = tf.tidy(() => {
  const image = tf.tensor3d(rgb, [png.height, png.width, 3])
    .slice([Math.floor((png.height - side) / 2), Math.floor((png.width - side) / 2), 0], [side, side, 3]);
  const x = tf.image.resizeBilinear(image, [metadata.imageSize, metadata.imageSize]).mul(255).div(127).sub(1);
  return model.predict(x.expandDims(0));
});
const probabilities = await scores.data();
console.log(JSON.stringify(metadata.labels.map((label, i) => ({ label, probability: probabilities[i] }))));`;
