// A small convolutional network learns Fashion-MNIST (28 x 28 grey photos of clothes, 10 classes):
// conv-batchnorm-relu-maxpool twice, then a linear layer, trained with Adam. Reads the standard IDX files
// (`*-ubyte.gz`); a 2,000/500-image subset ships in examples/data/fashion-mnist, `--data DIR` takes
// the full set (e.g. /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist).
// Run: npx tsx examples/train-fashion-cnn.ts [--data DIR] [--epochs N] [--quick]
import { fileURLToPath } from "node:url";
import { Generator, type Tensor, manualSeed, noGrad, tensor } from "@tapegrad/core";
import { BatchNorm2d, Conv2d, F, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "@tapegrad/nn";
import { Adam } from "@tapegrad/optim";
import { accuracy } from "@tapegrad/train";
import { cli } from "./support/cli.js";
import { type ImageSet, readImageSet } from "./support/idx-data.js";

const flags = cli("Usage: npx tsx examples/train-fashion-cnn.ts [--data DIR] [--epochs N] [--quick]\n\nA small CNN on Fashion-MNIST; prints test accuracy and time per epoch.", {
  data: { type: "string", help: "folder with the four Fashion-MNIST *-ubyte.gz files (default: the subset in examples/data/fashion-mnist)" },
  epochs: { type: "integer", help: "passes over the training images", default: 3, min: 1 },
  "batch-size": { type: "integer", help: "images per step", default: 64, min: 1 },
  lr: { type: "number", help: "Adam's learning rate", default: 0.002, min: 0 },
  seed: { type: "integer", help: "seed of the initial weights and the shuffling", default: 0 },
  quick: { type: "boolean", help: "one epoch on the first 256 training images (what the tests run)" },
});

manualSeed(flags.seed);
const dataDir = flags.data ?? fileURLToPath(new URL("data/fashion-mnist", import.meta.url));
const train = readImageSet(dataDir, "train");
const test = readImageSet(dataDir, "t10k");
const trainCount = flags.quick ? Math.min(256, train.count) : train.count;
const epochs = flags.quick ? 1 : flags.epochs;

// Pixels to [0, 1], then standardised with the training set's mean and standard deviation (0.2860, 0.3530).
const MEAN = 0.286;
const STD = 0.353;
function batchOf(set: ImageSet, indices: ArrayLike<number>): { x: Tensor; y: Tensor } {
  const size = set.rows * set.cols;
  const pixels = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    for (let p = 0; p < size; p++) pixels[b * size + p] = (set.images[i * size + p]! / 255 - MEAN) / STD;
    labels[b] = set.labels[i]!;
  }
  return { x: tensor(pixels).reshape([indices.length, 1, set.rows, set.cols]), y: tensor(labels, { dtype: "int32" }) };
}

const model = new Sequential(
  // The convolutions need no bias: batch norm's shift takes its place.
  new Conv2d(1, 16, 3, { padding: 1, bias: false }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2), // 16 x 14 x 14
  new Conv2d(16, 32, 3, { padding: 1, bias: false }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2), // 32 x 7 x 7
  new Flatten(), new Linear(32 * 7 * 7, 10),
);
const optimizer = new Adam(model.parameters(), { lr: flags.lr });
const shuffler = new Generator(flags.seed + 1);

function evaluate(set: ImageSet): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (let start = 0; start < set.count; start += 500) {
      const idx = Array.from({ length: Math.min(500, set.count - start) }, (_, k) => start + k);
      const { x, y } = batchOf(set, idx);
      correct += accuracy(model.forward(x), y) * idx.length;
    }
  });
  model.train();
  return correct / set.count;
}

let totalSeconds = 0;
let testAccuracy = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = Array.from({ length: trainCount }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = shuffler.nextInt(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const t0 = performance.now();
  let lossSum = 0;
  let steps = 0;
  for (let start = 0; start < trainCount; start += flags["batch-size"]) {
    const { x, y } = batchOf(train, order.slice(start, start + flags["batch-size"]));
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    lossSum += loss.item();
    steps++;
  }
  const seconds = (performance.now() - t0) / 1000;
  totalSeconds += seconds;
  testAccuracy = evaluate(test);
  console.log(`epoch ${epoch}: train loss ${(lossSum / steps).toFixed(4)}, test accuracy ${(100 * testAccuracy).toFixed(2)}%, ${seconds.toFixed(1)} s`);
}
console.log(
  `test accuracy ${(100 * testAccuracy).toFixed(2)}% on ${test.count} test images after ${epochs} epoch${epochs === 1 ? "" : "s"} on ${trainCount} training images; ${(totalSeconds / epochs).toFixed(1)} s per epoch`,
);
