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
