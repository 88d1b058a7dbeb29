/**
 * `Flatten` layer.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { checkInt, checkTensor } from "./util.js";

/**
 * Flattens the dims `startDim..endDim` (default 1..-1, keeping the batch dim) into one.
 * @example new Flatten().forward(zeros([8, 1, 28, 28])).shape; // [8, 784]
 */
export class Flatten extends Module {
  /** First dim flattened. */
  readonly startDim: number;
  /** Last dim flattened. */
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = checkInt(startDim, "Flatten", "startDim");
    this.endDim = checkInt(endDim, "Flatten", "endDim");
  }

  forward(x: Tensor): Tensor {
    return checkTensor(x, "Flatten", "input").flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
