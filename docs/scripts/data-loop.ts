// The training loop of docs/data.md, runnable: a TensorDataset split 80/20, a shuffled DataLoader,
// a few epochs of SGD on minibatches, and validation accuracy.
// Run: npm run build && npx tsx docs/scripts/data-loop.ts
import { Generator, argmax, manualSeed, noGrad, randn } from "@tapegrad/core";
import { DataLoader, TensorDataset, randomSplit } from "@tapegrad/data";
import { F, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { SGD } from "@tapegrad/optim";

manualSeed(0);
// 500 points in 2-D, labelled by the quadrant they fall in (4 classes).
const x = randn([500, 2]);
const y = x.select(1, 0).gt(0).int().mul(2).add(x.select(1, 1).gt(0).int()); // int32 labels 0..3
const dataset = new TensorDataset(x, y);
const [train, val] = randomSplit(dataset, [0.8, 0.2], { generator: new Generator(42) });

const trainLoader = new DataLoader(train, { batchSize: 32, shuffle: true, generator: new Generator(0) });
const valLoader = new DataLoader(val, { batchSize: 100 });
console.log(`${train.length} training samples in ${trainLoader.length} batches per epoch`);

const model = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 4));
const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });

for (let epoch = 1; epoch <= 10; epoch++) {
  model.train();
  for (const [xb, yb] of trainLoader) {
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model.forward(xb), yb);
    loss.backward();
    optimizer.step();
  }
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const [xb, yb] of valLoader) correct += argmax(model.forward(xb), 1).eq(yb).sum().item();
  });
  console.log(`epoch ${epoch}: validation accuracy ${((100 * correct) / val.length).toFixed(1)}%`);
}
