/**
 * The peers beside tapegrad besides TF.js: PyTorch on one thread and on every core (child
 * processes), jax-js in this process, and tapegrad itself on one thread and on its default count.
 * Started once per run; a peer that cannot run here is left out with a printed reason.
 * @module
 */
import { availableParallelism } from "node:os";
import { getKernelThreads, setKernelThreads } from "@tapegrad/core";
import type { Contender } from "./harness.js";
import { initJax, jaxVersion } from "./jaxjs.js";
import { PytorchPeer } from "./pytorch.js";

/** The peers of one run. */
export interface Peers {
  /** PyTorch with one thread (torch, OpenMP and BLAS), or null. */
  pytorch1: PytorchPeer | null;
  /** PyTorch with one thread per core (the other candidate for its best count), or null. */
  pytorchN: PytorchPeer | null;
  /** Whether jax-js runs here. */
  jax: boolean;
  /** tapegrad's default kernel thread count (TAPEGRAD_THREADS or the machine's, at most 4). */
  tapegradThreads: number;
  /** Lines for the header: versions, thread counts, BLAS, and why a peer is left out. */
  lines: string[];
}

/** No peer started yet. */
const none = (): Peers => ({ pytorch1: null, pytorchN: null, jax: false, tapegradThreads: getKernelThreads(), lines: [] });

/**
 * Start the peers. `--quick` (CI) leaves PyTorch out (its start alone takes seconds) but runs
 * jax-js, which is in-process and cheap.
 */
export async function startPeers(quick: boolean): Promise<Peers> {
  const peers = none();
  peers.lines.push(`tapegrad: ${peers.tapegradThreads} kernel thread(s) by default (TAPEGRAD_THREADS=${process.env.TAPEGRAD_THREADS ?? "unset"}); "tapegrad-1t" is tapegrad with setKernelThreads(1)`);
  const jaxProblem = await initJax();
  peers.jax = jaxProblem === null;
  peers.lines.push(peers.jax ? `jax-js ${jaxVersion()}: wasm device, one thread (Node has no global Worker), the whole MLP step under jit` : `jax-js: skipped, ${jaxProblem}`);
  if (quick) {
    peers.lines.push("PyTorch: skipped in --quick mode (run the full bench for it)");
    return peers;
  }
  const cores = availableParallelism();
  const one = await PytorchPeer.start(1);
  if (typeof one === "string") {
    peers.lines.push(`PyTorch: skipped, ${one}`);
    return peers;
  }
  peers.pytorch1 = one;
  const blas = one.info.blas.length > 0 ? one.info.blas.join(", ") : "no BLAS library mapped";
  const reference = one.info.blas.some((p) => /openblas|mkl|blis/i.test(p)) ? "" : " (WARNING: not OpenBLAS/MKL: a reference BLAS is not a fair peer; apt-get install libopenblas0-pthread)";
  peers.lines.push(`PyTorch ${one.info.torch}: BLAS loaded ${blas}; torch BLAS_INFO=${one.info.blasInfo}${reference}`);
  if (cores > 1) {
    const many = await PytorchPeer.start(cores);
    if (typeof many === "string") peers.lines.push(`PyTorch on ${cores} threads: skipped, ${many}`);
    else peers.pytorchN = many;
  }
  peers.lines.push(`PyTorch threads: pytorch-1t = ${one.info.threads} (OMP/OPENBLAS/MKL_NUM_THREADS=1)${peers.pytorchN ? `, ${peers.pytorchN.name} = ${peers.pytorchN.info.threads}; "pytorch best" is the faster of the two per case` : ""}`);
  return peers;
}

/** Stop the peer processes. */
export function stopPeers(peers: Peers): void {
  peers.pytorch1?.close();
  peers.pytorchN?.close();
}

/**
 * tapegrad's contenders for `run`: on its default thread count, and (in full mode, when that
 * count is above 1) on one thread. Each sets its count before its samples.
 */
export function tapegradContenders(run: () => void, peers: Peers, withOneThread: boolean): Contender[] {
  const out: Contender[] = [{ name: "tapegrad", before: () => setKernelThreads(peers.tapegradThreads), run }];
  if (withOneThread && peers.tapegradThreads > 1) out.push({ name: "tapegrad-1t", before: () => setKernelThreads(1), run });
  return out;
}

/** The PyTorch peers that run (one thread first). */
export function pytorchPeers(peers: Peers): PytorchPeer[] {
  return [peers.pytorch1, peers.pytorchN].filter((p): p is PytorchPeer => p !== null);
}
