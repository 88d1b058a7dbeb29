/**
 * Convolutions as functions (PyTorch's `F.conv1d` and `F.conv2d`): core's ops, which validate
 * their arguments and record one node each.
 * @module
 */
export { conv1d, conv2d, type ConvOptions } from "@tapegrad/core";
