/**
 * Pooling as functions (PyTorch's `F.max_pool2d`, `F.avg_pool2d`, `F.adaptive_avg_pool2d` and the
 * 1-D forms): core's ops.
 * @module
 */
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d, type MaxPoolOptions, type AvgPoolOptions } from "@tapegrad/core";
