// The history panel: stored conversations, newest first, over the message list. A row opens its
// conversation; Rename and Delete ask the host (which asks the user for the name or a
// confirmation). Escape or Back closes it, and so does a conversation being shown.
import type { ConversationSummary } from "../../src/shared/chatProtocol";
import { button, element } from "./dom";
import type { PostToHost } from "./hostApi";
import { icon } from "./icons";

export class HistoryPanel {
  readonly element = element("section", "history-panel");
  private readonly list = element("ul", "history-list");
  private readonly empty = element("p", "history-empty", "No saved conversations yet.");
  private returnFocus: HTMLElement | undefined;

  constructor(private readonly post: PostToHost) {
    this.element.id = "history";
    this.element.hidden = true;
    this.element.setAttribute("role", "dialog");
    this.element.setAttribute("aria-label", "Conversation history");
    const header = element("div", "history-header");
    header.append(
      button({ label: "Close history", title: "Back to the conversation (Escape)", icon: icon("back"), text: "Back", className: "secondary history-close", onClick: () => this.close() }),
      element("h2", "", "History"),
    );
    this.list.setAttribute("aria-label", "Conversations");
    this.element.append(header, this.empty, this.list);
    this.element.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation();
      this.close();
    });
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Opens the panel (or refreshes it, after a rename or delete) with these conversations. */
  show(conversations: readonly ConversationSummary[], currentId: string | undefined, now = Date.now()): void {
    const wasOpen = this.isOpen;
    const newestFirst = [...conversations].sort((a, b) => b.updatedAt - a.updatedAt);
    this.list.replaceChildren(...newestFirst.map((summary) => this.row(summary, summary.id === currentId, now)));
    this.empty.hidden = newestFirst.length > 0;
    this.element.hidden = false;
    if (!wasOpen) {
      const active = document.activeElement;
      this.returnFocus = active instanceof window.HTMLElement ? active : undefined;
      (this.list.querySelector<HTMLElement>(".history-open") ?? this.element.querySelector<HTMLElement>(".history-close"))?.focus();
    }
  }

  close(): void {
    if (!this.isOpen) return;
    this.element.hidden = true;
    this.returnFocus?.focus();
    this.returnFocus = undefined;
  }

  private row(summary: ConversationSummary, current: boolean, now: number): HTMLElement {
    const title = summary.title || "Untitled conversation";
    const row = element("li", "history-item");
    row.dataset.id = summary.id;
    if (current) row.setAttribute("aria-current", "true");
    const when = relativeTime(summary.updatedAt, now);
    const count = `${summary.messageCount} ${summary.messageCount === 1 ? "message" : "messages"}`;
    const open = button({
      label: `Open ${title}, ${when}, ${count}`,
      title,
      className: "history-open",
      onClick: () => this.post({ type: "openConversation", id: summary.id }),
    });
    open.append(element("span", "history-title", title), element("span", "history-meta", `${when} · ${count}`));
    row.append(
      open,
      button({ label: `Rename ${title}`, icon: icon("rename"), className: "icon-button", onClick: () => this.post({ type: "renameConversation", id: summary.id }) }),
      button({ label: `Delete ${title}`, icon: icon("trash"), className: "icon-button", onClick: () => this.post({ type: "deleteConversation", id: summary.id }) }),
    );
    return row;
  }
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 minutes ago", "yesterday", "3 days ago", then the date. */
export function relativeTime(time: number, now: number): string {
  const seconds = Math.max(0, (now - time) / 1000);
  if (seconds < 45) return "just now";
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (seconds < 45 * MINUTE) return format.format(-Math.max(1, Math.round(seconds / MINUTE)), "minute");
  if (seconds < 22 * HOUR) return format.format(-Math.max(1, Math.round(seconds / HOUR)), "hour");
  if (seconds < 7 * DAY) return format.format(-Math.max(1, Math.round(seconds / DAY)), "day");
  return new Date(time).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}
