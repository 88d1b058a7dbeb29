// What getKernelBackend() and kernelBackendInfo() report when WebAssembly cannot run: a
// Content-Security-Policy without 'wasm-unsafe-eval' is simulated by a global WebAssembly whose
// Module constructor refuses to compile (validate still passes, as under such a policy). Every test
// loads core afresh, so no module compiled earlier is reused.
import { afterEach, describe, expect, test, vi } from "vitest";

type Core = typeof import("@tapegrad/core");

const CSP_ERROR =
  "WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script in the following Content Security Policy directive: \"script-src 'self'\"";

/** A WebAssembly namespace like the real one, except that `new Module(bytes)` throws when `refuse(bytes)`. */
function policyWasm(refuse: (bytes: Uint8Array<ArrayBuffer>) => boolean): typeof WebAssembly {
  const real = WebAssembly;
  const fake = Object.create(real) as typeof WebAssembly;
  const RealModule = real.Module;
  const Module = function (this: unknown, bytes: Uint8Array<ArrayBuffer>) {
    if (refuse(bytes)) throw new real.CompileError(CSP_ERROR);
    return new RealModule(bytes);
  } as unknown as typeof WebAssembly.Module;
  Object.assign(Module, { exports: RealModule.exports, imports: RealModule.imports, customSections: RealModule.customSections });
  Object.defineProperty(fake, "Module", { value: Module });
  return fake;
}

async function freshCore(): Promise<Core> {
  vi.resetModules();
  return (await import("@tapegrad/core")) as Core;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

function matmulCheck(core: Core): void {
  const a = core.randn([48, 40], { generator: new core.Generator(1) });
  const b = core.randn([40, 56], { generator: new core.Generator(2) });
  const got = core.matmul(a, b).dataSync();
  const av = a.dataSync();
  const bv = b.dataSync();
  for (const [i, j] of [[0, 0], [47, 55], [13, 29]] as const) {
    let s = 0;
    for (let k = 0; k < 40; k++) s += av[i * 40 + k]! * bv[k * 56 + j]!;
    expect(Math.abs(got[i * 56 + j]! - s)).toBeLessThan(1e-4);
  }
}

describe("WebAssembly compilation refused (Content-Security-Policy)", () => {
  test("getKernelBackend() reports the TypeScript kernels, setKernelBackend('wasm') throws, the reason is readable", async () => {
    vi.stubGlobal("WebAssembly", policyWasm(() => true));
    const core = await freshCore();
    expect(core.getKernelBackend()).toBe("js");
    expect(() => core.setKernelBackend("wasm")).toThrow(/setKernelBackend: "wasm" requested, but WebAssembly kernels cannot run here: compiling WebAssembly failed \(.*Refused to compile.*\); a Content-Security-Policy without 'wasm-unsafe-eval' causes this/);
    const info = core.kernelBackendInfo();
    expect(info).toMatchObject({ backend: "js", requested: "auto", wasmAvailable: false, threads: 1, sharedMemory: false });
    expect(info.reason).toMatch(/^the TypeScript kernels run because compiling WebAssembly failed/);
    matmulCheck(core);
    expect(core.getKernelBackend()).toBe("js");
  });

  test("a kernel module refused after the probe passed: from then on the report says js", async () => {
    // Only the large kernel modules are refused (the probe is 43 bytes).
    vi.stubGlobal("WebAssembly", policyWasm((bytes) => bytes.length > 1000));
    const core = await freshCore();
    expect(core.getKernelBackend()).toBe("wasm");
    matmulCheck(core);
    expect(core.getKernelBackend()).toBe("js");
    const info = core.kernelBackendInfo();
    expect(info.wasmAvailable).toBe(false);
    expect(info.reason).toMatch(/a kernel module failed to compile or instantiate \(.*Refused to compile/);
    expect(() => core.setKernelBackend("wasm")).toThrow(/kernel module failed to compile/);
  });
});

describe("kernelBackendInfo() where WebAssembly runs", () => {
  test("backend, request and reason agree with getKernelBackend()", async () => {
    const core = await freshCore();
    const info = core.kernelBackendInfo();
    expect(info.backend).toBe(core.getKernelBackend());
    expect(info.wasmAvailable).toBe(true);
    expect(info.reason).toBe("WebAssembly SIMD kernels run (chosen automatically)");
    expect(info.threads).toBe(core.getKernelThreads());
    core.setKernelBackend("js");
    expect(core.kernelBackendInfo()).toMatchObject({ backend: "js", requested: "js", reason: 'the TypeScript kernels run because "js" was requested' });
    core.setKernelBackend("auto");
    expect(core.kernelBackendInfo().backend).toBe("wasm");
  });
});
