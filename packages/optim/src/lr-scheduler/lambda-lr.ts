/**
 * `LambdaLR`: set the lr to the base lr times a user function of the epoch.
 * @module
 */
import { Tensor, mul } from "@tapegrad/core";
import type { Optimizer } from "../optimizer.js";
import { describeValue } from "../state-dict.js";
import { LRScheduler, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr } from "./scheduled-lr.js";

/**
 * A multiplicative factor as a function of the epoch: a number, or a 1-element float tensor (a
 * learnable factor: the group lr becomes a tensor on the tape).
 */
export type LrLambda = (epoch: number) => number | Tensor;

/** Options of {@link LambdaLR} (PyTorch's `lr_lambda`, `last_epoch`). */
export interface LambdaLROptions {
  /** One function for every group, or one per group. */
  lrLambda: LrLambda | LrLambda[];
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

/**
 * Set each group's lr to `baseLr * lrLambda(lastEpoch)` (PyTorch 2.8's `LambdaLR`).
 *
 * The functions are not part of the state dict (PyTorch saves the attributes of callable objects;
 * JavaScript functions have none worth saving): rebuild the scheduler with the same functions, then
 * load its state. A function that returns something other than a number or a 1-element float
 * tensor makes `step()` throw and leaves everything unchanged. A tensor factor that requires grad
 * (a learnable warm-up scale, `(e) => scale.mul(Math.min(1, (e + 1) / 4))`) or a base lr on the
 * tape makes the group lr the recorded product, so a differentiable optimizer's hypergradient
 * reaches it (tapegrad's extension; PyTorch's lambdas return numbers). With ASGD the scheduled lr
 * reaches the parameters one step late (see {@link LRScheduler}).
 *
 * @example
 * const sched = new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 */
export class LambdaLR extends LRScheduler {
  /** One function per group. */
  readonly lrLambdas: readonly LrLambda[];

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link LambdaLROptions}.
   * @throws TypeError if `lrLambda` is not a function or an array of functions; Error if the array
   *   length differs from the number of groups, or when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options ?? {}, ["lrLambda", "lastEpoch"], where);
    const given = o.lrLambda;
    const groups = (optimizer as { paramGroups?: unknown[] } | null)?.paramGroups?.length ?? 0;
    let lambdas: LrLambda[];
    if (typeof given === "function") {
      lambdas = Array.from({ length: groups }, () => given as LrLambda);
    } else if (Array.isArray(given)) {
      given.forEach((f: unknown, i) => {
        if (typeof f !== "function") throw new TypeError(`${where}: lrLambda[${i}] must be a function, got ${describeValue(f)}`);
      });
      if (given.length !== groups) throw new Error(`${where}: Expected ${groups} lrLambdas, but got ${given.length}`);
      lambdas = given.slice() as LrLambda[];
    } else {
      throw new TypeError(`${where}: lrLambda must be a function or an array of functions, got ${describeValue(given)}`);
    }
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  /** `baseLr * lrLambda(lastEpoch)` for each group. */
  protected computeLr(): ScheduledLr[] {
    return this.scheduledBaseLrs().slice(0, this.lrLambdas.length).map((b, i) => {
      const factor: unknown = this.lrLambdas[i]!(this.lastEpoch);
      const isTensor = factor instanceof Tensor && factor.numel() === 1 && factor.isFloatingPoint();
      if (typeof factor !== "number" && !isTensor) {
        throw new TypeError(
          `${this.constructor.name}: lrLambda[${i}](${this.lastEpoch}) returned ${describeValue(factor)}, not a number or a 1-element float tensor`,
        );
      }
      // A tensor factor (a learnable schedule) or a base lr on the tape: a recorded product.
      return typeof b === "number" && typeof factor === "number" ? b * factor : mul(b, factor as number | Tensor).reshape([]);
    });
  }

  protected hyperparameters(): Record<string, unknown> {
    return {};
  }

  protected prepareHyperparameters(): () => void {
    return () => undefined;
  }
}
