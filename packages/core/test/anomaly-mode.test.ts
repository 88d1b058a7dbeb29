// Anomaly detection (torch.autograd.detect_anomaly): off by default; when on, backward names the
// function whose rule first returned NaN or Infinity, with the forward op and the stack that
// recorded it; optionally the forward op that first produced NaN.
import { afterEach, describe, expect, test } from "vitest";
import { detectAnomaly, isAnomalyEnabled, setDetectAnomaly, tensor } from "@tapegrad/core";

afterEach(() => setDetectAnomaly(false));

/** sqrt(x * x) at x = 0: SqrtBackward returns Infinity, then MulBackward turns it into NaN. */
function sqrtOfSquare() {
  const x = tensor([0, 2], { dtype: "float64", requiresGrad: true });
  const loss = x.mul(x).sqrt().sum();
  return { x, loss };
}

describe("off by default", () => {
  test("a NaN gradient passes silently, and nodes keep no stack", () => {
    expect(isAnomalyEnabled()).toBe(false);
    const { x, loss } = sqrtOfSquare();
    expect(loss.gradFn!.forwardStack).toBeNull();
    loss.backward();
    expect(Number.isNaN(x.grad!.tolist()[0 as never] as unknown as number)).toBe(true);
  });
});

describe("backward", () => {
  test("names the first backward function returning Infinity/NaN, its forward op and the forward call's stack", () => {
    const { x, loss } = detectAnomaly(() => sqrtOfSquare());
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    let message = "";
    try {
      loss.backward();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^detectAnomaly: SqrtBackward returned Infinity in its gradient for input 0 \(shape \[2\]\)/);
    expect(message).toMatch(/It is the backward of the forward op sqrt\. The forward call that created it:\n/);
    expect(message).toMatch(/anomaly-mode\.test\.ts/);
    expect(x.grad).toBeNull();
  });
  test("a NaN is reported as NaN", () => {
    setDetectAnomaly(true);
    const a = tensor([0, 1], { dtype: "float64" });
    const b = tensor([0, 1], { dtype: "float64", requiresGrad: true });
    const loss = a.div(b).sum(); // d/db of a / b at a = b = 0: -(1 * 0) / 0 = NaN
    expect(() => loss.backward()).toThrow(/detectAnomaly: DivBackward returned NaN in its gradient for input 1/);
  });
  test("a node recorded before the mode was turned on is named, without a stack", () => {
    const { loss } = sqrtOfSquare();
    expect(() => detectAnomaly(() => loss.backward())).toThrow(/SqrtBackward returned Infinity .*recorded before anomaly detection was turned on/);
  });
  test("finite gradients pass, and checkNan: false turns the check off", () => {
    const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    detectAnomaly(() => x.mul(x).sqrt().sum().backward());
    expect(x.grad!.tolist()).toEqual([1, 1]);
    const { x: y, loss } = sqrtOfSquare();
    detectAnomaly(() => loss.backward(), { checkNan: false });
    expect(Number.isNaN((y.grad!.tolist() as number[])[0]!)).toBe(true);
  });
});

describe("forward (checkForward)", () => {
  test("names the forward op that first produced NaN from inputs without NaN", () => {
    const x = tensor([0, 1], { dtype: "float64" });
    const run = () => x.log().mul(0).add(1); // log(0) = -Infinity (allowed), -Infinity * 0 = NaN
    expect(() => detectAnomaly(run, { checkForward: true })).toThrow(/detectAnomaly: the forward op mul produced NaN \(output shape \[2\]\) from inputs without NaN/);
    expect(() => detectAnomaly(run)).not.toThrow();
    expect(Number.isNaN((run().tolist() as number[])[0]!)).toBe(true);
  });
});

describe("scoping and arguments", () => {
  test("detectAnomaly restores the previous mode even when its callback throws", () => {
    expect(() =>
      detectAnomaly(() => {
        expect(isAnomalyEnabled()).toBe(true);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    detectAnomaly(() => undefined);
    expect(isAnomalyEnabled()).toBe(true);
  });
  test("bad arguments are refused", () => {
    expect(() => setDetectAnomaly("yes" as never)).toThrow(/setDetectAnomaly: mode must be a boolean/);
    expect(() => setDetectAnomaly(true, { checknan: false } as never)).toThrow(/unknown option "checknan"/);
    expect(() => detectAnomaly(3 as never)).toThrow(/detectAnomaly: the first argument must be a function/);
    expect(isAnomalyEnabled()).toBe(false);
  });
});
