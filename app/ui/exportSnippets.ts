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

/*
 * The other formats (issue 18). Each zip holds the model and headstart.json, the preprocessing statement:
 * { layout, size, fit, scale, offset, labels }: the centred square at size × size ("cover"), RGB 0–255 with
 * transparent pixels on white, × scale + offset (the int8 model takes the raw pixels: scale 1, offset 0).
 * Run by tests: ONNX_NODE_SNIPPET (onnxruntime-node, app/ml/net/onnxSnippet.test.ts) and the PyTorch
 * commands (e2e/export-formats.spec.ts). Shown only (no runtime for them here): the LiteRT Python and
 * Kotlin snippets, ONNX Runtime in Python and C#.
 */

/** Python: the image as headstart.json states it, as a NumPy array (shared by the Python snippets). */
const PYTHON_PREPARE = `def prepare(path, statement):
    """The image as headstart.json states it: the centred square, transparent on white, RGB × scale + offset."""
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGBA")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((statement["size"],) * 2, Image.BICUBIC)
    rgb = np.asarray(Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB"), np.float32)
    x = rgb * statement["scale"] + statement["offset"]
    return (x.transpose(2, 0, 1) if statement["layout"] == "NCHW" else x)[None]`;

/** TFLite in Python with LiteRT's interpreter (float32 and int8 alike). */
export const TFLITE_PYTHON_SNIPPET = `# python3 classify.py model.tflite photo.jpg   (pip install ai-edge-litert pillow numpy;
# with tflite-runtime instead: from tflite_runtime.interpreter import Interpreter)
import json, sys, zipfile
import numpy as np
from PIL import Image, ImageOps
from ai_edge_litert.interpreter import Interpreter

${PYTHON_PREPARE}

model_path, image_path = sys.argv[1:3]
with zipfile.ZipFile(model_path) as packed:  # headstart.json and labels.txt travel inside the model too
    statement = json.loads(packed.read("headstart.json"))
interpreter = Interpreter(model_path=model_path)
interpreter.allocate_tensors()
given, answer = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
interpreter.set_tensor(given["index"], prepare(image_path, statement).astype(given["dtype"]))  # uint8 for int8
interpreter.invoke()
probabilities = interpreter.get_tensor(answer["index"])[0]
for label, p in sorted(zip(statement["labels"], probabilities), key=lambda lp: -lp[1]):
    print(f"{label}: {p:.3f}")`;

/** Android, Kotlin, with MediaPipe's Image Classifier: it reads the labels and the normalisation from the model's metadata. */
export const TFLITE_KOTLIN_SNIPPET = `// build.gradle: implementation("com.google.mediapipe:tasks-vision:0.10.14"); model.tflite in src/main/assets/
import android.graphics.Bitmap
import com.google.mediapipe.framework.image.BitmapImageBuilder
import com.google.mediapipe.tasks.core.BaseOptions
import com.google.mediapipe.tasks.vision.imageclassifier.ImageClassifier

val classifier = ImageClassifier.createFromOptions(
    context,
    ImageClassifier.ImageClassifierOptions.builder()
        .setBaseOptions(BaseOptions.builder().setModelAssetPath("model.tflite").build())
        .setMaxResults(3)
        .build(),
)

fun classify(bitmap: Bitmap) {
    // The centred square, as Headstart sees it; MediaPipe scales it to 224×224 and normalises it.
    val side = minOf(bitmap.width, bitmap.height)
    val square = Bitmap.createBitmap(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side)
    val result = classifier.classify(BitmapImageBuilder(square).build())
    for (category in result.classificationResult().classifications()[0].categories()) {
        println("\${category.categoryName()}: \${category.score()}")
    }
}`;

/** ONNX Runtime in Python: the statement is read from the model's own metadata. */
export const ONNX_PYTHON_SNIPPET = `# python3 classify.py model.onnx photo.jpg   (pip install onnxruntime pillow numpy)
import json, sys
import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

${PYTHON_PREPARE}

session = ort.InferenceSession(sys.argv[1])
statement = json.loads(session.get_modelmeta().custom_metadata_map["headstart"])
probabilities = session.run(None, {session.get_inputs()[0].name: prepare(sys.argv[2], statement)})[0][0]
for label, p in sorted(zip(statement["labels"], probabilities), key=lambda lp: -lp[1]):
    print(f"{label}: {p:.3f}")`;

/** ONNX Runtime in C# (.NET), with ImageSharp to decode. */
export const ONNX_CSHARP_SNIPPET = `// dotnet add package Microsoft.ML.OnnxRuntime; dotnet add package SixLabors.ImageSharp
// dotnet run -- model.onnx photo.jpg
using System.Linq;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

using var session = new InferenceSession(args[0]);
var statement = JsonDocument.Parse(session.ModelMetadata.CustomMetadataMap["headstart"]).RootElement;
int size = statement.GetProperty("size").GetInt32();
float scale = statement.GetProperty("scale").GetSingle(), offset = statement.GetProperty("offset").GetSingle();
bool nchw = statement.GetProperty("layout").GetString() == "NCHW";
var labels = statement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).ToArray();

// The centred square at size × size, transparent pixels on white, RGB × scale + offset.
using var image = Image.Load<Rgba32>(args[1]);
int side = Math.Min(image.Width, image.Height);
image.Mutate(x => x.Crop(new Rectangle((image.Width - side) / 2, (image.Height - side) / 2, side, side)).Resize(size, size));
var input = new DenseTensor<float>(nchw ? new[] { 1, 3, size, size } : new[] { 1, size, size, 3 });
for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
    {
        var p = image[x, y];
        float a = p.A / 255f;
        float[] rgb = { p.R * a + 255 * (1 - a), p.G * a + 255 * (1 - a), p.B * a + 255 * (1 - a) };
        for (int c = 0; c < 3; c++)
            if (nchw) input[0, c, y, x] = rgb[c] * scale + offset; else input[0, y, x, c] = rgb[c] * scale + offset;
    }
using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input) });
var probabilities = results.First().AsEnumerable<float>().ToArray();
foreach (var (label, p) in labels.Zip(probabilities).OrderByDescending(lp => lp.Second))
    Console.WriteLine($"{label}: {p:F3}");`;

/** ONNX Runtime in Node, with pngjs to decode (onnxruntime-node cannot read metadata_props: headstart.json is beside the model). */
export const ONNX_NODE_SNIPPET = `// node classify.mjs model.onnx photo.png   (npm install onnxruntime-node pngjs)
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [modelFile, imageFile] = process.argv.slice(2);
const statement = JSON.parse(readFileSync(join(dirname(modelFile), 'headstart.json'), 'utf8'));
const { size, scale, offset, layout, labels } = statement;

// The centred square at size × size (bilinear), transparent pixels on white, RGB × scale + offset.
const png = PNG.sync.read(readFileSync(imageFile));
const side = Math.min(png.width, png.height);
const left = Math.floor((png.width - side) / 2);
const top = Math.floor((png.height - side) / 2);
const pixel = (x, y, c) => {
  const i = (Math.min(Math.max(y, 0), png.height - 1) * png.width + Math.min(Math.max(x, 0), png.width - 1)) * 4;
  const a = png.data[i + 3] / 255;
  return png.data[i + c] * a + 255 * (1 - a);
};
const input = new Float32Array(size * size * 3);
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const sx = left + ((x + 0.5) * side) / size - 0.5;
    const sy = top + ((y + 0.5) * side) / size - 0.5;
    const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
    for (let c = 0; c < 3; c++) {
      const value = (pixel(x0, y0, c) * (1 - fx) + pixel(x0 + 1, y0, c) * fx) * (1 - fy)
        + (pixel(x0, y0 + 1, c) * (1 - fx) + pixel(x0 + 1, y0 + 1, c) * fx) * fy;
      input[layout === 'NCHW' ? (c * size + y) * size + x : (y * size + x) * 3 + c] = value * scale + offset;
    }
  }
}
const session = await ort.InferenceSession.create(modelFile);
const shape = layout === 'NCHW' ? [1, 3, size, size] : [1, size, size, 3];
const output = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, shape) });
const probabilities = output[session.outputNames[0]].data;
console.log(JSON.stringify(labels.map((label, i) => ({ label, probability: probabilities[i] }))));`;

/** The PyTorch hand-off: the script in the zip predicts, then goes on training under torchrun. Also the zip's README.txt. */
export const PYTORCH_SNIPPET = `# Python 3 with torch and torchvision: pip install torch torchvision
# (or apt-get install python3-torch python3-torchvision). In the unzipped export:
python3 headstart_torch.py predict model.npz photo.jpg

# Go on training on your dataset ("Export dataset" → headstart-dataset.zip), here on 2 processes;
# the same command runs on one CPU, one GPU, or many machines (torchrun --nnodes …).
torchrun --nproc_per_node=2 headstart_torch.py train model.npz headstart-dataset.zip --epochs 5 --out trained.npz
python3 headstart_torch.py predict trained.npz photo.jpg`;
