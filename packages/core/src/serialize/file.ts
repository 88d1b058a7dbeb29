/**
 * `save` and `load`: checkpoints on the Node.js file system. `node:fs` is looked up when called
 * (`process.getBuiltinModule`), never imported, so bundling core for a browser still works.
 * @module
 */
import { describe } from "../describe.js";
import { decodeCheckpoint, encodeCheckpoint } from "./bytes.js";
import { crc32 } from "./crc32.js";
import { utf8Encode } from "./safetensors.js";

/** The parts of `node:fs` this module uses. */
interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  readFileSync(path: string): Uint8Array;
  readdirSync(path: string): string[];
}

interface NodePath {
  dirname(path: string): string;
  basename(path: string): string;
  join(...parts: string[]): string;
}

interface NodeCrypto {
  randomBytes(size: number): { toString(encoding: "hex"): string };
}

interface NodeOs {
  hostname(): string;
}

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  pid: number;
  kill(pid: number, signal: number): boolean;
}

/**
 * Write a checkpoint (see `toBytes` for what it can hold) to `path` atomically: the bytes go to
 * a temporary file in the same folder, which is flushed to disk and then renamed over `path`. A
 * failure at any point removes the temporary file and leaves an existing `path` untouched.
 *
 * The temporary file is `.<name>.<host>-<pid>-<random>.tmp` (`<host>`: 8 hex digits of the
 * machine's host name). A writer killed mid-save cannot remove its own; the next `save` to the same
 * path removes every temporary file of that path whose writer was on this machine and no longer
 * runs (temporaries of other paths, of live processes and of other machines are left alone).
 * @param obj the value to store, e.g. `{ model: model.stateDict(), optimizer: opt.stateDict() }`.
 * @param path the file to create or replace (`.safetensors` by convention).
 * @throws TypeError for a value that cannot be stored (the message names its path) or a bad `path`.
 * @throws Error when not running on Node.js >= 20.16, or when the file system refuses the write.
 * @example
 * save({ epoch: 3, model: model.stateDict() }, "ckpt.safetensors");
 */
export function save(obj: unknown, path: string): void {
  checkPath(path, "save");
  // Encode first: a value that cannot be stored must fail before any file is touched.
  const bytes = encodeCheckpoint(obj, "save");
  const node = nodeModules("save");
  const fs = node.fs;
  const dir = node.path.dirname(path);
  const base = node.path.basename(path);
  const host = hostTag(node.os);
  removeStaleTemporaries(node, dir, base, host);
  const temp = node.path.join(dir, `.${base}.${host}-${node.process.pid}-${node.crypto.randomBytes(6).toString("hex")}.tmp`);
  let fd = -1;
  let created = false;
  try {
    fd = fs.openSync(temp, "wx");
    created = true;
    for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(temp, path);
  } catch (error) {
    if (fd >= 0) ignoreErrors(() => fs.closeSync(fd));
    if (created) ignoreErrors(() => fs.unlinkSync(temp));
    throw new Error(`save: could not write ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
  }
  // Make the rename itself durable. Some platforms (Windows) cannot open or fsync a folder; the
  // checkpoint is complete either way, so this step is best effort.
  ignoreErrors(() => {
    const dir = fs.openSync(node.path.dirname(path), "r");
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  });
}

/**
 * Read a checkpoint written by {@link save} (or any safetensors file, see `fromBytes`).
 * The whole file is verified before anything is returned.
 * @param path the file to read.
 * @returns a fresh object tree.
 * @throws Error `load: "<path>" is truncated: ...`, `load: "<path>" is corrupt: ...`, or when the
 *   file cannot be read or the runtime is not Node.js >= 20.16.
 * @example
 * const { epoch, model: state } = load("ckpt.safetensors") as { epoch: number; model: Record<string, Tensor> };
 */
export function load(path: string): unknown {
  checkPath(path, "load");
  const { fs } = nodeModules("load");
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    throw new Error(`load: could not read ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
  }
  return decodeCheckpoint(bytes, `load: ${JSON.stringify(path)}`);
}

function checkPath(path: unknown, where: string): void {
  if (typeof path !== "string" || path === "") throw new TypeError(`${where}: path must be a non-empty string, got ${describe(path)}`);
}

/** 8 hex digits naming this machine in temporary file names. */
function hostTag(os: NodeOs): string {
  return crc32(utf8Encode(os.hostname())).toString(16).padStart(8, "0");
}

/**
 * Remove the temporary files an earlier `save` to `<dir>/<base>` left behind when its process was
 * killed: names `.<base>.<host>-<pid>-<12 hex>.tmp` with this machine's host tag and a pid that no
 * longer runs (signal 0 fails with ESRCH). Best effort: a folder that cannot be listed, or a file
 * that is already gone, is skipped.
 */
function removeStaleTemporaries(node: NodeModules, dir: string, base: string, host: string): void {
  let names: string[];
  try {
    names = node.fs.readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `.${base}.${host}-`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const match = /^([1-9][0-9]*)-[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === node.process.pid || isRunning(node.process, pid)) continue;
    ignoreErrors(() => node.fs.unlinkSync(node.path.join(dir, name)));
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
function isRunning(process: NodeProcess, pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== "ESRCH";
  }
}

interface NodeModules {
  fs: NodeFs;
  path: NodePath;
  crypto: NodeCrypto;
  os: NodeOs;
  process: NodeProcess;
}

function nodeModules(where: string): NodeModules {
  const process = (globalThis as { process?: NodeProcess }).process;
  if (typeof process?.getBuiltinModule !== "function") {
    throw new Error(`${where}: needs the Node.js file system (Node >= 20.16); in a browser use toBytes/fromBytes instead`);
  }
  return {
    fs: process.getBuiltinModule("node:fs") as NodeFs,
    path: process.getBuiltinModule("node:path") as NodePath,
    crypto: process.getBuiltinModule("node:crypto") as NodeCrypto,
    os: process.getBuiltinModule("node:os") as NodeOs,
    process,
  };
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Cleanup after a failure, or a best-effort step: the original outcome is what matters.
  }
}
