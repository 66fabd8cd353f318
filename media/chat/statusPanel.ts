// The compact header about the backend and model: which backend and model answer, their details
// (shown while the conversation is empty, then folded away unless opened), the notice that code
// leaves this machine (always shown), a problem with its fixes, and a model loading's progress.
// The question box stays usable while a problem is shown: the host answers with the error.
import type { ChatAction, ChatStatus, EngineActivity } from "../../src/shared/chatProtocol";
import { button, element } from "./dom";
import type { PostToHost } from "./hostApi";
import { icon } from "./icons";

export class StatusPanel {
  readonly element = element("section", "status");
  readonly engine = element("div", "engine-activity");
  private status: ChatStatus | undefined;
  /** The user's choice from the details toggle; undefined: follow whether the conversation is empty. */
  private detailsChosen: boolean | undefined;
  private conversationEmpty = true;

  constructor(private readonly post: PostToHost) {
    this.element.id = "status";
    this.element.setAttribute("aria-label", "Model status");
    this.element.append(element("p", "muted", "Checking the model…"));
    this.engine.hidden = true;
  }

  show(status: ChatStatus): void {
    this.status = status;
    this.render();
  }

  setConversationEmpty(empty: boolean): void {
    if (empty === this.conversationEmpty) return;
    this.conversationEmpty = empty;
    if (this.status) this.render();
  }

  showEngine(activity: EngineActivity): void {
    if (activity.kind !== "loading") {
      this.engine.hidden = true;
      this.engine.replaceChildren();
      return;
    }
    const percent = activity.progress === undefined ? undefined : Math.round(Math.min(1, Math.max(0, activity.progress)) * 100);
    const label = `Loading ${activity.model}`;
    const progress = element("progress");
    progress.max = 100;
    if (percent !== undefined) progress.value = percent;
    progress.setAttribute("aria-label", label);
    this.engine.replaceChildren(element("span", "engine-label", percent === undefined ? `${label}…` : `${label} ${percent}%`), progress);
    this.engine.hidden = false;
  }

  private render(): void {
    const status = this.status;
    if (!status) return;
    const line = element("div", "status-line");
    line.append(element("span", "backend", status.backend), element("span", "model", status.model ? `Model: ${status.model}` : "No model selected"));
    const children: HTMLElement[] = [line];
    if (status.details.length) {
      const open = this.detailsChosen ?? this.conversationEmpty;
      const list = element("dl", "details");
      list.id = "status-details";
      list.hidden = !open;
      for (const { label, value } of status.details) {
        const item = element("div", "detail");
        item.append(element("dt", "", label), element("dd", "", value));
        list.append(item);
      }
      const toggle = button({
        label: open ? "Hide model details" : "Show model details",
        icon: icon("chevron"),
        className: `icon-button details-toggle${open ? " open" : ""}`,
        onClick: () => {
          this.detailsChosen = !open;
          this.render();
          this.element.querySelector<HTMLElement>(".details-toggle")?.focus();
        },
      });
      toggle.setAttribute("aria-expanded", String(open));
      toggle.setAttribute("aria-controls", list.id);
      line.append(toggle);
      children.push(list);
    }
    if (status.notice) {
      const notice = element("p", "notice", status.notice);
      notice.setAttribute("role", "note");
      children.push(notice);
    }
    if (status.problem) children.push(this.problem(status.problem.message, status.problem.actions, !status.model));
    this.element.replaceChildren(...children);
  }

  private problem(message: string, actions: readonly ChatAction[], noModel: boolean): HTMLElement {
    const box = element("section", "problem");
    box.setAttribute("role", "alert");
    box.append(element("p", "", message));
    const row = element("div", "actions");
    for (const action of actions) row.append(this.actionButton(action));
    if (noModel && !actions.some((action) => action.command === "hearth.showModelsView")) {
      row.append(this.actionButton({ label: "Open Models view", command: "hearth.showModelsView" }));
    }
    box.append(row);
    return box;
  }

  private actionButton(action: ChatAction): HTMLButtonElement {
    return button({
      label: action.label,
      text: action.label,
      onClick: () =>
        this.post({ type: "runCommand", command: action.command, ...(action.argument === undefined ? {} : { argument: action.argument }) }),
    });
  }
}
