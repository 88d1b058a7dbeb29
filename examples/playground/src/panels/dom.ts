// Tiny DOM helpers for the panels: elements with attributes and children, and labelled form fields.

/** An element with attributes (strings) and children (nodes or text). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A labelled input; `id` ties the label to it (screen readers, clicking the label). */
export function field(id: string, label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

/** A number input with a value and, optionally, a step and a minimum. */
export function numberInput(value: number, options: { step?: string; min?: string } = {}): HTMLInputElement {
  return el("input", { type: "number", value: String(value), step: options.step ?? "any", ...(options.min === undefined ? {} : { min: options.min }) });
}

/** A select with these options (value, text), the first selected unless `selected` says otherwise. */
export function select(options: ReadonlyArray<readonly [string, string]>, selected?: string): HTMLSelectElement {
  const node = el("select");
  for (const [value, text] of options) node.append(el("option", value === selected ? { value, selected: "" } : { value }, text));
  return node;
}

/** Read a number input, refusing anything that is not a finite number. */
export function readNumber(input: HTMLInputElement, name: string): number {
  const value = Number(input.value);
  if (input.value.trim() === "" || !Number.isFinite(value)) throw new Error(`${name} must be a number, got "${input.value}"`);
  return value;
}
