import { describe, expect, test } from "vitest";
import { ProgressBar, formatDuration, type ProgressStream } from "@tapegrad/train";

/** A stream that records what is written, and a clock the test moves by hand. */
function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { text: string } {
  const stream = {
    text: "",
    isTTY,
    columns,
    write(t: string) {
      stream.text += t;
      return true;
    },
  };
  return stream;
}
function fakeClock(): { now: number; clock: () => number } {
  const c = { now: 1000, clock: () => c.now };
  return c;
}

describe("ProgressBar off a terminal (logs, CI)", () => {
  test("writes a plain line at each quarter and one final line with rate and elapsed time", () => {
    const stream = fakeStream(false);
    const c = fakeClock();
    const bar = new ProgressBar({ total: 8, label: "epoch 1/3", stream, clock: c.clock });
    for (let i = 0; i < 8; i++) {
      c.now += 500;
      bar.tick(1, { loss: 1 / (i + 1) });
    }
    bar.finish({ loss: 0.125, "val acc": "97.5%" });
    expect(stream.text.split("\n")).toEqual([
      "epoch 1/3 2/8 25% 2 it/s ETA 0:03 loss 0.5000",
      "epoch 1/3 4/8 50% 2 it/s ETA 0:02 loss 0.2500",
      "epoch 1/3 6/8 75% 2 it/s ETA 0:01 loss 0.1667",
      "epoch 1/3  8/8  2 it/s  in 0:04  loss 0.1250  val acc 97.5%",
      "",
    ]);
    expect(stream.text).not.toContain("\r");
  });

  test("logEvery 0 writes only the final line", () => {
    const stream = fakeStream(false);
    const bar = new ProgressBar({ total: 100, stream, logEvery: 0, clock: fakeClock().clock });
    for (let i = 0; i < 100; i++) bar.tick();
    bar.finish();
    expect(stream.text.trim().split("\n")).toHaveLength(1);
  });
});

describe("ProgressBar on a terminal", () => {
  test("redraws one line in place with a bar, rate and ETA, then ends it with a newline", () => {
    const stream = fakeStream(true);
    const c = fakeClock();
    const bar = new ProgressBar({ total: 4, stream, width: 8, unit: "batch", clock: c.clock });
    c.now += 1000;
    bar.update(1, { lr: 1e-5 });
    expect(stream.text).toBe("\r[##------] 1/4 25% 1 batch/s ETA 0:03 lr 1.00e-5\x1b[K");
    c.now += 10; // within the redraw interval: nothing is drawn
    bar.update(2);
    expect(stream.text.split("\r")).toHaveLength(2);
    c.now += 1000;
    bar.update(4);
    bar.finish();
    expect(stream.text.endsWith("\n")).toBe(true);
    expect(stream.text.split("\n")).toHaveLength(2);
  });

  test("cuts the line to the terminal width", () => {
    const stream = fakeStream(true, 20);
    const c = fakeClock();
    const bar = new ProgressBar({ total: 10, stream, clock: c.clock });
    c.now += 100;
    bar.update(5, { loss: 1.5 });
    expect(stream.text).toBe(`\r${"[############------------] 5/10".slice(0, 19)}\x1b[K`);
  });
});

describe("ProgressBar errors", () => {
  test("bad options and calls are refused by name", () => {
    expect(() => new ProgressBar({ total: 0 })).toThrow(/total must be a positive integer, got 0/);
    expect(() => new ProgressBar({ total: 3, logEvery: 2 })).toThrow(/logEvery must be a fraction in \[0, 1\], got 2/);
    expect(() => new ProgressBar({ total: 3, colour: "red" } as never)).toThrow(/unknown option "colour"/);
    const bar = new ProgressBar({ total: 3, stream: fakeStream(false) });
    expect(() => bar.update(4)).toThrow(/done must be an integer in 0\.\.3, got 4/);
    expect(() => bar.tick(-1)).toThrow(/steps must be a non-negative integer, got -1/);
    bar.finish();
    expect(() => bar.finish()).toThrow(/already finished/);
    expect(() => bar.tick()).toThrow(/finished/);
  });
});

test("formatDuration", () => {
  expect(formatDuration(0)).toBe("0:00");
  expect(formatDuration(65.4)).toBe("1:05");
  expect(formatDuration(3725)).toBe("1:02:05");
  expect(formatDuration(Number.NaN)).toBe("?");
});
