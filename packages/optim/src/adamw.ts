/**
 * AdamW: Adam with decoupled weight decay (PyTorch 2.8's `torch.optim.AdamW`).
 * @module
 */
import { Adam, ADAM_OPTIONS, type AdamOptions, adamDefaults } from "./adam.js";
import type { ParamsInput } from "./optimizer.js";
import { checkOptionKeys } from "./optimizer-checks.js";

/** Options of {@link AdamW}: those of {@link Adam} except `decoupledWeightDecay` (always true); `weightDecay` defaults to 1e-2. */
export type AdamWOptions = Omit<AdamOptions, "decoupledWeightDecay">;

const ADAMW_OPTIONS = ADAM_OPTIONS.filter((k) => k !== "decoupledWeightDecay");

/**
 * AdamW (Loshchilov and Hutter), PyTorch 2.8's `torch.optim.AdamW`: {@link Adam} whose weight decay
 * shrinks the parameter directly, `p = p * (1 - lr * weightDecay)`, right after the step counter is
 * incremented, instead of adding `weightDecay * p` to the gradient. `weightDecay` defaults to 1e-2.
 * Groups carry `decoupledWeightDecay: true`, as in PyTorch 2.8 (where AdamW is also a subclass of Adam).
 *
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class AdamW extends Adam {
  /**
   * @param params tensors, `[name, tensor]` pairs or parameter groups.
   * @param options hyperparameter defaults.
   * @throws as {@link Adam}; TypeError for a `decoupledWeightDecay` option.
   */
  constructor(params: ParamsInput, options: AdamWOptions = {}) {
    const o = checkOptionKeys(options, ADAMW_OPTIONS, "AdamW");
    super(params, adamDefaults(o, 1e-2, true) as AdamOptions);
  }
}
