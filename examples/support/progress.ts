// Progress reporting: a live, redrawn line on a terminal; plain lines when output is a file or a pipe.

/** What one progress update shows. */
export interface ProgressState {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  lr: number;
  samplesPerSecond: number;
}

/** Draws progress on `stream`: a bar redrawn in place on a TTY, one line per epoch otherwise. */
export class Progress {
  private readonly live: boolean;
  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.live = Boolean(stream.isTTY);
  }

  /** Report the state after a batch. */
  update(s: ProgressState): void {
    if (!this.live) return;
    const width = 24;
    const done = Math.round((s.batch / s.batches) * width);
    const bar = "#".repeat(done) + "-".repeat(width - done);
    this.stream.write(
      `\repoch ${String(s.epoch).padStart(3)}/${s.epochs} [${bar}] loss ${s.loss.toFixed(4)}  lr ${s.lr.toExponential(2)}  ${Math.round(s.samplesPerSecond)} samples/s `,
    );
  }

  /** Report the end of an epoch with a summary line. */
  endEpoch(s: ProgressState, extra: string): void {
    const line = `epoch ${String(s.epoch).padStart(3)}/${s.epochs}  loss ${s.loss.toFixed(4)}  lr ${s.lr.toExponential(2)}  ${Math.round(s.samplesPerSecond)} samples/s  ${extra}`;
    this.stream.write(this.live ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
