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
export { ASGD, type ASGDOptions, type ASGDParamGroup } from "./asgd.js";
export {
  asgdUpdate, asgdUpdatePure, asgdInitState, asgdScalarDtype, checkAsgdHyperparameters,
  type AsgdUpdateOptions, type AsgdHyperparameters, type AsgdFlags, type AsgdParamState,
} from "./functional/asgd-update.js";
export { SGD, type SGDOptions, type SGDParamGroup } from "./sgd.js";
export { Adam, type AdamOptions, type AdamParamGroup } from "./adam.js";
export { AdamW, type AdamWOptions } from "./adamw.js";
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup } from "./rmsprop.js";
export { Adagrad, type AdagradOptions, type AdagradParamGroup } from "./adagrad.js";
export { sgdUpdate, type SgdUpdateOptions } from "./functional/sgd-update.js";
export { adamUpdate, type AdamUpdateOptions } from "./functional/adam-update.js";
export { sgdUpdatePure, type SgdParamState, type SgdPureOptions } from "./functional/sgd-update-pure.js";
export type { TensorHyperparameter, PerParamLr } from "./functional/hyper-tensors.js";
export { adamUpdatePure, adamInitState, type AdamParamState, type AdamPureOptions } from "./functional/adam-update-pure.js";
export { unrollSteps, type UnrollOptions, type UnrollResult, type PureUpdate } from "./hypergrad/unroll.js";
export { rmspropUpdate, type RmspropUpdateOptions } from "./functional/rmsprop-update.js";
export { adagradUpdate, type AdagradUpdateOptions } from "./functional/adagrad-update.js";
export { rmspropUpdatePure, rmspropInitState, type RmspropParamState, type RmspropPureOptions } from "./functional/rmsprop-update-pure.js";
export { adagradUpdatePure, adagradInitState, type AdagradParamState, type AdagradPureOptions } from "./functional/adagrad-update-pure.js";
export {
  LRScheduler, setSchedulerWarningSink, STEP_ORDER_WARNING, GET_LR_WARNING, type WarningSink, type LRSchedulerStateDict,
} from "./lr-scheduler/lr-scheduler.js";
export { LinearLR, linearLrFactor, type LinearLROptions, type LinearLRParameters } from "./lr-scheduler/linear-lr.js";
export { CosineAnnealingLR, cosineAnnealingLr, type CosineAnnealingLROptions } from "./lr-scheduler/cosine-annealing-lr.js";
export { SequentialLR, type SequentialLROptions, type SequentialLRStateDict } from "./lr-scheduler/sequential-lr.js";
export { StepLR, type StepLROptions } from "./lr-scheduler/step-lr.js";
export { MultiStepLR, type MultiStepLROptions } from "./lr-scheduler/multi-step-lr.js";
export { ExponentialLR, type ExponentialLROptions } from "./lr-scheduler/exponential-lr.js";
export { ConstantLR, type ConstantLROptions } from "./lr-scheduler/constant-lr.js";
export { LambdaLR, type LambdaLROptions, type LrLambda } from "./lr-scheduler/lambda-lr.js";
export {
  ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauStateDict,
} from "./lr-scheduler/reduce-lr-on-plateau.js";
