// The playground page: three panels (tape, training, hypergradients) behind keyboard-usable tabs, and
// one Worker that trains and unrolls off the page's thread.
import { mountHyperPanel } from "./panels/hyper-panel.js";
import { mountTapePanel } from "./panels/tape-panel.js";
import { mountTrainPanel } from "./panels/train-panel.js";
import type { Reply } from "./protocol.js";

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const backend = document.getElementById("backend")!;
worker.addEventListener("message", (event: MessageEvent<Reply>) => {
  const reply = event.data;
  if (reply.type !== "ready") return;
  backend.textContent = `kernels: ${reply.backend}, ${reply.threads} thread${reply.threads === 1 ? "" : "s"} in the training Worker${reply.isolated ? " (cross-origin isolated)" : " (not cross-origin isolated: one thread)"}`;
  backend.dataset.backend = reply.backend;
  backend.dataset.threads = String(reply.threads);
});

mountTapePanel(document.getElementById("panel-tape")!);
mountTrainPanel(document.getElementById("panel-train")!, worker);
mountHyperPanel(document.getElementById("panel-hyper")!, worker);

// Tabs as WAI-ARIA describes them: click or arrow keys move between tabs, one panel shows at a time.
const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
function selectTab(tab: HTMLButtonElement): void {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute("aria-selected", String(selected));
    t.tabIndex = selected ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")!)!.hidden = !selected;
  }
  tab.focus();
}
tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (event: KeyboardEvent) => {
    if (event.key === "ArrowRight") selectTab(tabs[(i + 1) % tabs.length]!);
    if (event.key === "ArrowLeft") selectTab(tabs[(i + tabs.length - 1) % tabs.length]!);
  });
});
