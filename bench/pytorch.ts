/**
 * PyTorch beside tapegrad: bench/peers/pytorch_bench.py runs in a child process (one per thread
 * count) and answers JSON-line requests, so its samples interleave with the in-process contenders
 * of a case. The data of every case is sent from here, so both sides start from identical inputs.
 *
 * The interpreter is `/usr/bin/python3` (where Debian's python3-torch lives), or
 * `TAPEGRAD_BENCH_PYTHON`. When it cannot import torch the benchmark goes on without PyTorch and
 * says why.
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Contender } from "./harness.js";

const SCRIPT = fileURLToPath(new URL("./peers/pytorch_bench.py", import.meta.url));
/** Seconds allowed for `import torch` (slow on a loaded machine). */
const START_TIMEOUT_MS = 120_000;
/**
 * Pause after a multithreaded PyTorch sample: OpenBLAS and OpenMP worker threads keep spinning for
 * a while after their last job and would steal a core from the next contender's sample.
 */
const MULTITHREAD_COOLDOWN_MS = 200;

/** What the peer reported on start. */
export interface PytorchInfo {
  torch: string;
  threads: number;
  /** BLAS shared libraries mapped into the process (the BLAS torch really calls). */
  blas: string[];
  /** `BLAS_INFO` of torch's build configuration. */
  blasInfo: string;
}

/** A float32 or int32 array as the peer expects it: base64 of the little-endian bytes. */
export function b64(data: Float32Array | Int32Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** The float32 array of a base64 answer. */
export function fromB64(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** A running PyTorch peer with a fixed thread count. */
export class PytorchPeer {
  readonly info: PytorchInfo;
  /** Contender name: `pytorch-1t`, `pytorch-2t`... */
  readonly name: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  /** Requests run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;

  private constructor(child: ChildProcessWithoutNullStreams, lines: AsyncIterator<string>, info: PytorchInfo, threads: number) {
    this.child = child;
    this.lines = lines;
    this.info = info;
    this.name = `pytorch-${threads}t`;
  }

  /**
   * Start the peer on `threads` threads (torch's and BLAS's).
   * @returns the peer, or the one-line reason why PyTorch cannot run here
   */
  static async start(threads: number): Promise<PytorchPeer | string> {
    const python = process.env.TAPEGRAD_BENCH_PYTHON ?? "/usr/bin/python3";
    const child = spawn(python, [SCRIPT, `--threads=${threads}`], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const spawned = new Promise<string | null>((resolve) => {
      child.once("error", (e) => resolve(`${python} cannot be started (${e.message})`));
      child.once("spawn", () => resolve(null));
    });
    const failure = await spawned;
    if (failure !== null) return failure;
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), START_TIMEOUT_MS)));
    const first = await Promise.race([lines.next(), timeout]);
    clearTimeout(timer);
    if (first === "timeout" || first.done === true) {
      child.kill();
      return first === "timeout" ? `${python} did not start within ${START_TIMEOUT_MS / 1000} s` : `${python} exited: ${lastLine(stderr)}`;
    }
    const hello = JSON.parse(first.value) as { ready: boolean; error?: string } & PytorchInfo;
    if (!hello.ready) {
      child.kill();
      return `${python} cannot import torch (${hello.error})`;
    }
    return new PytorchPeer(child, lines, hello, threads);
  }

  /** A fresh id for a case. */
  caseId(label: string): string {
    return `${label}#${this.nextId++}`;
  }

  /** Send one request, resolve with its answer; rejects with the peer's error message. */
  request<T>(message: Record<string, unknown>): Promise<T> {
    const answer = this.queue.then(async () => {
      this.child.stdin.write(JSON.stringify(message) + "\n");
      const line = await this.lines.next();
      if (line.done === true) throw new Error(`${this.name} exited during ${String(message.op)}`);
      const data = JSON.parse(line.value) as T & { error?: string };
      if (data.error !== undefined) throw new Error(`${this.name}: ${data.error}`);
      return data;
    });
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  /** Build a case in the peer; the answer carries what the benchmark cross-checks. */
  setup<T>(id: string, kind: "mlp" | "matmul" | "chain" | "digits", fields: Record<string, unknown>): Promise<T> {
    return this.request<T>({ op: "setup", id, kind, ...fields });
  }

  /** The contender timing case `id` in the peer (its own warm-up and samples, same rules as the harness). */
  contender(id: string): Contender {
    const cooldown = this.info.threads > 1 ? MULTITHREAD_COOLDOWN_MS : 0;
    return {
      name: this.name,
      external: {
        warmup: async (calls) => void (await this.request({ op: "warmup", id, calls })),
        sample: async (minMs) => {
          const { ms } = await this.request<{ ms: number }>({ op: "sample", id, minMs });
          if (cooldown > 0) await new Promise((resolve) => setTimeout(resolve, cooldown));
          return ms;
        },
      },
    };
  }

  /** Free case `id` in the peer. */
  async drop(id: string): Promise<void> {
    await this.request({ op: "drop", id });
  }

  /** Stop the process. */
  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] || "no output";
}
