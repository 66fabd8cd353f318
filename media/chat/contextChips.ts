// Context chips: the selection and files that go with the next question (removable, with an
// "Add file" control), and the same chips shown read-only on the questions they were sent with.
import type { ContextChip } from "../../src/shared/chatProtocol";
import { button, element } from "./dom";
import type { PostToHost } from "./hostApi";
import { icon } from "./icons";

/** A chip; removable (with its kind's icon) above the question box, plain text on a sent question. */
function chipElement(chip: ContextChip, onRemove?: () => void): HTMLElement {
  const node = element("span", `chip chip-${chip.kind}`);
  node.dataset.chipId = chip.id;
  node.title = chip.detail ?? chip.label;
  if (onRemove) node.append(icon(chip.kind === "file" ? "file" : "selection"));
  node.append(element("span", "chip-label", chip.label));
  if (onRemove) {
    node.append(button({ label: `Remove ${chip.label}`, icon: icon("close"), className: "chip-remove icon-button", onClick: onRemove }));
  }
  return node;
}

/** The chips a question was sent with, read-only. */
export function sentChips(chips: readonly ContextChip[]): HTMLElement {
  const list = element("div", "chips sent-chips");
  list.setAttribute("aria-label", "Context sent with this question");
  list.append(...chips.map((chip) => chipElement(chip)));
  return list;
}

/** The chips above the question box. */
export class ContextChipsBar {
  readonly element = element("div", "chips context-chips");
  private readonly list = element("div", "chip-list");

  constructor(private readonly post: PostToHost) {
    this.element.setAttribute("role", "group");
    this.element.setAttribute("aria-label", "Context for the next question");
    const add = button({
      label: "Add file to context",
      title: "Add a file to the context (or type #file)",
      icon: icon("plus"),
      text: "File",
      className: "add-file",
      onClick: () => this.post({ type: "addFileContext" }),
    });
    this.element.append(this.list, add);
  }

  show(chips: readonly ContextChip[]): void {
    this.list.replaceChildren(
      ...chips.map((chip) => chipElement(chip, () => this.post({ type: "removeContext", id: chip.id }))),
    );
  }
}
