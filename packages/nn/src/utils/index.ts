/**
 * `nn.utils`: training helpers (PyTorch's `torch.nn.utils`).
 * @example
 * import { utils } from "@tapegrad/nn";
 * utils.clipGradNorm_(model.parameters(), 1.0);
 * @module
 */
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions, type ParametersArg } from "./clip-grad.js";
