/**
 * `Identity` layer.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { checkTensor } from "./util.js";

/** Returns its input unchanged (a placeholder, e.g. to switch a layer off). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return checkTensor(x, "Identity", "input");
  }
}
