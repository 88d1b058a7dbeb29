// "Show the code": the source of the recipe a panel runs, imported as text from the very file the panel
// executes, so the page and the snippet cannot drift apart.
import { el } from "./dom.js";

/** A collapsible view of `source`, titled with the file it comes from. */
export function codeView(file: string, source: string): HTMLElement {
  return el(
    "details",
    { class: "code" },
    el("summary", {}, `Show the code (${file})`),
    el("p", {}, "This is the exact code the panel runs; paste it into a Node project with the @tapegrad packages to run it there."),
    el("pre", {}, el("code", {}, source)),
  );
}
