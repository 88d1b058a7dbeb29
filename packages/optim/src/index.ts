/**
 * `@tapegrad/optim`: the Optimizer base class, optimizers with PyTorch 2.8 semantics and lr schedulers.
 * @packageDocumentation
 */
export {
  Optimizer, required, registerOptimizerStepPreHook, registerOptimizerStepPostHook,
  type ParamGroup, type GroupInput, type ParamsInput, type OptimizerStateDict, type StepKwargs,
  type StepPreHook, type StepPostHook, type StateDictPreHook, type StateDictPostHook,
  type LoadStateDictPreHook, type LoadStateDictPostHook,
} from "./optimizer.js";
export { HookRegistry, RemovableHandle, type HookOptions } from "./hooks.js";
export { SGD, type SGDOptions, type SGDParamGroup } from "./sgd.js";
export { Adam, type AdamOptions, type AdamParamGroup } from "./adam.js";
export { AdamW, type AdamWOptions } from "./adamw.js";
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup } from "./rmsprop.js";
export { Adagrad, type AdagradOptions, type AdagradParamGroup } from "./adagrad.js";
export { sgdUpdate, type SgdUpdateOptions } from "./functional/sgd-update.js";
export { adamUpdate, type AdamUpdateOptions } from "./functional/adam-update.js";
export { rmspropUpdate, type RmspropUpdateOptions } from "./functional/rmsprop-update.js";
export { adagradUpdate, type AdagradUpdateOptions } from "./functional/adagrad-update.js";
export { ASGD, type ASGDOptions, type ASGDParamGroup } from "./asgd.js";
export {
  asgdUpdate, asgdUpdatePure, asgdInitState, asgdScalarDtype, checkAsgdHyperparameters,
  type AsgdUpdateOptions, type AsgdHyperparameters, type AsgdFlags, type AsgdParamState,
} from "./functional/asgd-update.js";
