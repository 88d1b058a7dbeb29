/**
 * Export of a tensor's gradient graph as Graphviz DOT or as a Mermaid flowchart, for teaching and
 * debugging: one node per recorded op (its backward name, output shape and dtype), one node per leaf
 * that receives a gradient, and edges in the direction data flows (from inputs to outputs).
 * @module
 */
import { describe } from "../describe.js";
import { formatShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { AccumulateGrad, type Node } from "./node.js";

/** Options of {@link toDot} and {@link toMermaid}. */
export interface GraphExportOptions {
  /**
   * Names shown on the nodes of these tensors: a map from tensor to name, or an object from name to
   * tensor (e.g. `{ x, w }`). Leaves get the name on their AccumulateGrad node, other tensors on
   * the node of the op that produced them.
   */
  names?: ReadonlyMap<Tensor, string> | Readonly<Record<string, Tensor>>;
}

interface GraphNode {
  id: string;
  /** Lines of the label, unescaped. */
  lines: string[];
  leaf: boolean;
  root: boolean;
}

interface Graph {
  nodes: GraphNode[];
  /** Pairs of ids: from input to output. */
  edges: Array<[string, string]>;
}

function nameTable(names: GraphExportOptions["names"], where: string): Map<Tensor, string> {
  const table = new Map<Tensor, string>();
  if (names === undefined) return table;
  if (names instanceof Map) {
    for (const [t, name] of names) {
      if (!(t instanceof Tensor) || typeof name !== "string") {
        throw new TypeError(`${where}: names must map tensors to strings, got ${describe(t)} -> ${describe(name)}`);
      }
      table.set(t, name);
    }
    return table;
  }
  if (names === null || typeof names !== "object") throw new TypeError(`${where}: names must be a Map or an object, got ${describe(names)}`);
  for (const [name, t] of Object.entries(names)) {
    if (!(t instanceof Tensor)) throw new TypeError(`${where}: names.${name} must be a Tensor, got ${describe(t)}`);
    table.set(t, name);
  }
  return table;
}

function meta(shape: readonly number[], dtype: string): string {
  return `${formatShape(shape)} ${dtype}`;
}

/** Walk the graph breadth-first from the root with an explicit queue; ids follow discovery order. */
function collect(root: Tensor, options: GraphExportOptions | undefined, where: string): Graph {
  if (!(root instanceof Tensor)) throw new TypeError(`${where}: expected a Tensor, got ${describe(root)}`);
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  if (!root.requiresGrad) throw new Error(`${where}: the tensor does not require grad, so it has no gradient graph`);
  const names = nameTable(options?.names, where);
  const nodeNames = new Map<Node, string>();
  for (const [t, name] of names) {
    // Only a leaf that already has an accumulator can be in a graph; don't create one as a side effect.
    const fn = t.gradFn;
    if (fn !== null) nodeNames.set(fn, name);
  }
  const ids = new Map<Node, string>();
  const graph: Graph = { nodes: [], edges: [] };
  const start = root.historyNode();
  const queue: Node[] = [start];
  ids.set(start, "n0");
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    const id = ids.get(node)!;
    let lines: string[];
    if (node instanceof AccumulateGrad) {
      const name = names.get(node.variable);
      lines = [name ?? "AccumulateGrad", meta(node.variable.shape, node.variable.dtype)];
    } else {
      const name = nodeNames.get(node);
      lines = [node.name, meta(node.outputMeta.shape, node.outputMeta.dtype)];
      if (name !== undefined) lines.unshift(name);
    }
    graph.nodes.push({ id, lines, leaf: node instanceof AccumulateGrad, root: node === start });
    for (const next of node.nextFunctions) {
      if (next === null) continue;
      let nextId = ids.get(next);
      if (nextId === undefined) {
        nextId = `n${ids.size}`;
        ids.set(next, nextId);
        queue.push(next);
      }
      graph.edges.push([nextId, id]);
    }
  }
  return graph;
}

function dotEscape(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * The gradient graph of `tensor` as Graphviz DOT text: a box per op node labelled with its backward
 * name (e.g. `MulBackward`), output shape and dtype; an ellipse per leaf (its name or
 * `AccumulateGrad`, shape and dtype); edges from inputs to outputs. The output is deterministic
 * (nodes numbered in breadth-first order from the tensor), and the walk is iterative, so deep
 * graphs work.
 * @param tensor a tensor that requires grad.
 * @param options `names`: labels for chosen tensors.
 * @returns DOT source, e.g. for `dot -Tsvg`.
 * @throws Error if the tensor does not require grad.
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * console.log(toDot(x.mul(2).sum(), { names: { x } }));
 */
export function toDot(tensor: Tensor, options?: GraphExportOptions): string {
  const graph = collect(tensor, options, "toDot");
  const out = ["digraph tapegrad {", '  node [shape=box, fontname="monospace"];'];
  for (const n of graph.nodes) {
    const style = n.leaf ? ", shape=ellipse, style=filled, fillcolor=lightblue" : n.root ? ", style=filled, fillcolor=lightyellow" : "";
    out.push(`  ${n.id} [label="${dotEscape(n.lines.join("\n"))}"${style}];`);
  }
  for (const [from, to] of graph.edges) out.push(`  ${from} -> ${to};`);
  out.push("}");
  return `${out.join("\n")}\n`;
}

function mermaidEscape(s: string): string {
  // Mermaid's entity codes; '#' first so the codes themselves survive.
  return s.replace(/#/g, "#35;").replace(/"/g, "#34;").replace(/</g, "#60;").replace(/>/g, "#62;");
}

/**
 * The gradient graph of `tensor` as a Mermaid flowchart (same content as {@link toDot}): rectangles
 * for op nodes, rounded nodes for leaves, edges from inputs to outputs, deterministic numbering.
 * @param tensor a tensor that requires grad.
 * @param options `names`: labels for chosen tensors.
 * @returns Mermaid source (`flowchart TD ...`), e.g. for a Markdown code block.
 * @throws Error if the tensor does not require grad.
 * @example
 * toMermaid(loss, { names: new Map([[w, "w"]]) });
 */
export function toMermaid(tensor: Tensor, options?: GraphExportOptions): string {
  const graph = collect(tensor, options, "toMermaid");
  const out = ["flowchart TD"];
  for (const n of graph.nodes) {
    const label = n.lines.map(mermaidEscape).join("<br/>");
    out.push(n.leaf ? `  ${n.id}(["${label}"])` : `  ${n.id}["${label}"]`);
  }
  for (const [from, to] of graph.edges) out.push(`  ${from} --> ${to}`);
  out.push("  classDef leaf fill:#add8e6;");
  const leaves = graph.nodes.filter((n) => n.leaf).map((n) => n.id);
  if (leaves.length > 0) out.push(`  class ${leaves.join(",")} leaf;`);
  return `${out.join("\n")}\n`;
}
