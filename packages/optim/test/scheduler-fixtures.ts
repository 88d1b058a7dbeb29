// Shared fixtures of the lr-scheduler tests: a captured warning sink, a small SGD and a stepping loop.
import { type Tensor, full } from "@tapegrad/core";
import { type Optimizer, SGD, setSchedulerWarningSink } from "@tapegrad/optim";
import { afterEach, beforeEach } from "vitest";

/** Scheduler warnings of the current test (the sink is replaced around every test of the file). */
export const warnings: string[] = [];
let previousSink: ((m: string) => void) | null = null;
beforeEach(() => {
  warnings.length = 0;
  previousSink = setSchedulerWarningSink((m) => warnings.push(m));
});
afterEach(() => {
  setSchedulerWarningSink(previousSink);
});

/** SGD with one group per lr, each holding one [2] parameter; `defaults` go to the constructor. */
export function sgd(lrs: number[] = [0.1], defaults: { lr?: number } = {}): { opt: SGD; params: Tensor[] } {
  const params = lrs.map(() => full([2], 1).requiresGrad_(true));
  return { opt: new SGD(params.map((p, i) => ({ params: [p], lr: lrs[i] })), defaults), params };
}

/** One epoch as PyTorch documents it: gradients, `optimizer.step()`, then `scheduler.step()`. */
export function stepBoth(opt: Optimizer, params: Tensor[], sched: { step(): void }): void {
  for (const p of params) p.grad = full([2], 0.01);
  opt.step();
  sched.step();
}

/** The lr of group 0. */
export const lr0 = (opt: Optimizer): number => opt.paramGroups[0]!.lr as number;
