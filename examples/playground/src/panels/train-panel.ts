// Panel 2, training: choose data, model, optimizer and schedule; a Worker trains an epoch at a time while
// the page plots loss, accuracy and lr, ASGD's last iterate against its averaged weights, and for 2-D
// data the decision boundary. Pause, resume, reset, and checkpoints as files (download and upload).
import { lineChartSvg } from "@tapegrad/train";
import datasetsSource from "../recipes/datasets.ts?raw";
import trainSource from "../recipes/train.ts?raw";
import { GRID, type Reply, type Request } from "../protocol.js";
import { DATASETS, type DatasetName } from "../recipes/datasets.js";
import { DEFAULT_CONFIG, type EpochMetrics, type TrainConfig } from "../recipes/train.js";
import { codeView } from "./code-view.js";
import { el, field, numberInput, readNumber, select } from "./dom.js";

const CLASS_COLORS = [[0, 114, 178], [213, 94, 0], [0, 158, 115], [204, 121, 167], [230, 159, 0], [86, 180, 233], [0, 0, 0], [240, 228, 66], [120, 120, 120], [150, 80, 40]];

/** Fill `root` with the training panel, driving `worker`. */
export function mountTrainPanel(root: HTMLElement, worker: Worker): void {
  const d = DEFAULT_CONFIG;
  const inputs = {
    dataset: select(DATASETS.map((s) => [s.name, s.label] as const), d.dataset),
    hidden: el("input", { type: "text", value: d.hidden.join(", ") }),
    activation: select([["tanh", "tanh"], ["relu", "ReLU"], ["gelu", "GELU"]], d.activation),
    optimizer: select([["asgd", "ASGD"], ["sgd", "SGD (momentum 0.9)"], ["adam", "Adam"], ["adamw", "AdamW"]], d.optimizer),
    lr: numberInput(d.lr),
    lambd: numberInput(d.lambd),
    alpha: numberInput(d.alpha),
    t0: numberInput(d.t0, { step: "1", min: "0" }),
    weightDecay: numberInput(d.weightDecay, { min: "0" }),
    epochs: numberInput(d.epochs, { step: "1", min: "2" }),
    warmupEpochs: numberInput(d.warmupEpochs, { step: "1", min: "1" }),
    batchSize: numberInput(d.batchSize, { step: "1", min: "1" }),
    seed: numberInput(d.seed, { step: "1", min: "0" }),
  };
  const asgdOnly = el("fieldset", { class: "row" }, el("legend", {}, "ASGD"), field("train-lambd", "lambd (decay)", inputs.lambd), field("train-alpha", "alpha (power)", inputs.alpha), field("train-t0", "t0 (averaging starts)", inputs.t0));
  inputs.optimizer.addEventListener("change", () => (asgdOnly.hidden = inputs.optimizer.value !== "asgd"));
  const start = el("button", { type: "button", class: "primary", id: "train-start" }, "Start");
  const pause = el("button", { type: "button", disabled: "", id: "train-pause" }, "Pause");
  const reset = el("button", { type: "button", id: "train-reset" }, "Reset");
  const save = el("button", { type: "button", disabled: "", id: "train-save" }, "Save checkpoint");
  const upload = el("input", { type: "file", accept: ".safetensors,application/octet-stream" });
  const status = el("p", { class: "status", "data-testid": "train-status", "aria-live": "polite" }, "Pick a set-up and press Start.");
  const error = el("p", { class: "error", role: "alert" });
  const charts = el("div", { class: "charts" });
  const boundary = el("canvas", { width: String(GRID.size * 5), height: String(GRID.size * 5), class: "boundary", "aria-label": "decision boundary" });
  let history: EpochMetrics[] = [];
  let running = false;

  const readConfig = (): TrainConfig => {
    const hidden = inputs.hidden.value.split(",").map((s) => Number(s.trim()));
    if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error(`hidden widths must be positive integers separated by commas, got "${inputs.hidden.value}"`);
    const config: TrainConfig = {
      dataset: inputs.dataset.value as DatasetName,
      hidden,
      activation: inputs.activation.value as TrainConfig["activation"],
      optimizer: inputs.optimizer.value as TrainConfig["optimizer"],
      lr: readNumber(inputs.lr, "lr"),
      lambd: readNumber(inputs.lambd, "lambd"),
      alpha: readNumber(inputs.alpha, "alpha"),
      t0: readNumber(inputs.t0, "t0"),
      weightDecay: readNumber(inputs.weightDecay, "weight decay"),
      epochs: readNumber(inputs.epochs, "epochs"),
      warmupEpochs: readNumber(inputs.warmupEpochs, "warm-up epochs"),
      batchSize: readNumber(inputs.batchSize, "batch size"),
      seed: readNumber(inputs.seed, "seed"),
    };
    if (config.warmupEpochs >= config.epochs) throw new Error(`warm-up epochs (${config.warmupEpochs}) must be fewer than epochs (${config.epochs})`);
    return config;
  };
  const send = (request: Request, transfer: Transferable[] = []): void => worker.postMessage(request, transfer);
  const setRunning = (value: boolean): void => {
    running = value;
    pause.disabled = false;
    pause.textContent = value ? "Pause" : "Resume";
  };

  start.addEventListener("click", () => {
    error.textContent = "";
    try {
      const config = readConfig();
      history = [];
      charts.replaceChildren();
      status.textContent = "loading data...";
      for (const key of ["finished", "metrics", "epoch", "stepsPerSecond"]) delete status.dataset[key];
      send({ type: "start", config });
      setRunning(true);
      save.disabled = false;
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  });
  pause.addEventListener("click", () => {
    send({ type: running ? "pause" : "resume" });
    setRunning(!running);
  });
  reset.addEventListener("click", () => {
    send({ type: "pause" });
    history = [];
    running = false;
    pause.disabled = true;
    pause.textContent = "Pause";
    charts.replaceChildren();
    boundary.getContext("2d")?.clearRect(0, 0, boundary.width, boundary.height);
    status.textContent = "Reset. Pick a set-up and press Start.";
  });
  save.addEventListener("click", () => send({ type: "save" }));
  upload.addEventListener("change", async () => {
    const file = upload.files?.[0];
    if (file === undefined) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    history = [];
    for (const key of ["finished", "metrics", "epoch", "stepsPerSecond"]) delete status.dataset[key];
    send({ type: "load", bytes }, [bytes.buffer]);
    setRunning(true);
    save.disabled = false;
  });

  worker.addEventListener("message", (event: MessageEvent<Reply>) => {
    const reply = event.data;
    if (reply.type === "epoch") {
      const m = reply.metrics;
      history.push(m);
      const averaged = m.averagedValAccuracy === null ? "" : `, averaged weights (ax) ${(100 * m.averagedValAccuracy).toFixed(1)}%`;
      status.textContent = `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}, val loss ${m.valLoss.toFixed(4)}, val accuracy ${(100 * m.valAccuracy).toFixed(1)}%${averaged}, lr ${m.lr.toPrecision(3)}, ${reply.stepsPerSecond.toFixed(0)} steps/s`;
      status.dataset.epoch = String(m.epoch);
      status.dataset.metrics = JSON.stringify(m);
      status.dataset.stepsPerSecond = String(reply.stepsPerSecond);
      drawCharts(charts, history);
      if (reply.grid !== null) drawBoundary(boundary, reply.grid, reply.points!, reply.labels!);
      boundary.hidden = reply.grid === null;
    } else if (reply.type === "finished") {
      status.textContent += " (done)";
      status.dataset.finished = "true";
      running = false;
      pause.disabled = true;
    } else if (reply.type === "checkpoint") {
      const url = URL.createObjectURL(new Blob([reply.bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
      const link = el("a", { href: url, download: "playground-checkpoint.safetensors" });
      link.click();
      URL.revokeObjectURL(url);
    } else if (reply.type === "error") {
      error.textContent = reply.message;
    }
  });

  root.append(
    el("h2", {}, "Training"),
    el("p", {}, "An MLP learns to classify; a Worker trains it, so this page stays responsive. The schedule is a linear warm-up, then a cosine decay (LinearLR then CosineAnnealingLR, through SequentialLR)."),
    el(
      "form",
      { class: "settings", "aria-label": "training set-up" },
      el("fieldset", { class: "row" }, el("legend", {}, "Data and model"), field("train-dataset", "Data set", inputs.dataset), field("train-hidden", "Hidden widths", inputs.hidden), field("train-activation", "Activation", inputs.activation)),
      el(
        "fieldset",
        { class: "row" },
        el("legend", {}, "Optimizer and schedule"),
        field("train-optimizer", "Optimizer", inputs.optimizer),
        field("train-lr", "Peak lr", inputs.lr),
        field("train-weight-decay", "Weight decay", inputs.weightDecay),
        field("train-epochs", "Epochs", inputs.epochs),
        field("train-warmup", "Warm-up epochs", inputs.warmupEpochs),
        field("train-batch", "Batch size", inputs.batchSize),
        field("train-seed", "Seed", inputs.seed),
      ),
      asgdOnly,
    ),
    el("div", { class: "row buttons" }, start, pause, reset, save, field("train-upload", "Load checkpoint", upload)),
    error,
    status,
    el("div", { class: "split" }, charts, boundary),
    codeView("recipes/train.ts", trainSource),
    codeView("recipes/datasets.ts", datasetsSource),
  );
}

function drawCharts(root: HTMLElement, history: EpochMetrics[]): void {
  const epochs = history.map((m) => m.epoch);
  const hasAveraged = history.some((m) => m.averagedValLoss !== null);
  const svg = lineChartSvg(
    [
      {
        title: "loss and learning rate",
        yLabel: "cross-entropy",
        rightLabel: "learning rate",
        series: [
          { name: "train loss", x: epochs, values: history.map((m) => m.trainLoss) },
          { name: "val loss", x: epochs, values: history.map((m) => m.valLoss) },
          ...(hasAveraged ? [{ name: "val loss, averaged (ax)", x: epochs, values: history.map((m) => m.averagedValLoss ?? Number.NaN) }] : []),
          { name: "lr", x: epochs, values: history.map((m) => m.lr), axis: "right" as const },
        ],
      },
      {
        title: hasAveraged ? "val accuracy: last iterate vs averaged (ax)" : "val accuracy",
        yLabel: "accuracy",
        legendAt: "bottom",
        series: [
          { name: "last iterate", x: epochs, values: history.map((m) => m.valAccuracy) },
          ...(hasAveraged ? [{ name: "ASGD average (ax)", x: epochs, values: history.map((m) => m.averagedValAccuracy ?? Number.NaN) }] : []),
        ],
      },
    ],
    { xLabel: "epoch" },
  );
  root.innerHTML = svg;
}

function drawBoundary(canvas: HTMLCanvasElement, grid: Uint8Array, points: Float32Array, labels: Int32Array): void {
  const ctx = canvas.getContext("2d")!;
  const cell = canvas.width / GRID.size;
  for (let r = 0; r < GRID.size; r++) {
    for (let c = 0; c < GRID.size; c++) {
      const [red, green, blue] = CLASS_COLORS[grid[r * GRID.size + c]! % CLASS_COLORS.length]!;
      ctx.fillStyle = `rgba(${red}, ${green}, ${blue}, 0.25)`;
      ctx.fillRect(c * cell, r * cell, cell, cell);
    }
  }
  const scale = canvas.width / (GRID.hi - GRID.lo);
  for (let i = 0; i < labels.length; i++) {
    const [red, green, blue] = CLASS_COLORS[labels[i]! % CLASS_COLORS.length]!;
    ctx.fillStyle = `rgb(${red}, ${green}, ${blue})`;
    ctx.beginPath();
    ctx.arc((points[2 * i]! - GRID.lo) * scale, (GRID.hi - points[2 * i + 1]!) * scale, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
}
