// Test helper: run code with the TypeScript kernels forced (the reference the WebAssembly kernels are compared to).
import { setKernelBackend } from "@tapegrad/core";

/** The result of `f` with the TypeScript kernels forced; the backend is "auto" again afterwards. */
export function withJs<T>(f: () => T): T {
  setKernelBackend("js");
  try {
    return f();
  } finally {
    setKernelBackend("auto");
  }
}
