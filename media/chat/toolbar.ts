// The conversation toolbar at the top: the conversation's title, then New conversation, History,
// Export as Markdown, Export as JSON and Import, each one click away.
import { button, element } from "./dom";
import type { PostToHost } from "./hostApi";
import { icon } from "./icons";

export class ConversationToolbar {
  readonly element = element("div", "toolbar");
  readonly historyButton: HTMLButtonElement;
  private readonly title = element("h1", "conversation-title", "New conversation");

  constructor(post: PostToHost, onHistory: () => void) {
    this.element.setAttribute("role", "toolbar");
    this.element.setAttribute("aria-label", "Conversation actions");
    this.historyButton = button({ label: "History", title: "Conversation history", icon: icon("history"), className: "icon-button", onClick: onHistory });
    this.historyButton.setAttribute("aria-haspopup", "dialog");
    const exportAs = (format: "markdown" | "json", text: string, label: string): HTMLButtonElement =>
      button({ label, text, icon: icon("export"), className: "icon-button export", onClick: () => post({ type: "exportConversation", format }) });

    const actions = element("div", "toolbar-actions");
    actions.append(
      button({ label: "New conversation", icon: icon("plus"), className: "icon-button", onClick: () => post({ type: "newConversation" }) }),
      this.historyButton,
      exportAs("markdown", "MD", "Export as Markdown"),
      exportAs("json", "JSON", "Export as JSON"),
      button({
        label: "Import conversation",
        title: "Import a conversation (JSON)",
        icon: icon("import"),
        className: "icon-button",
        onClick: () => post({ type: "importConversation" }),
      }),
    );
    this.element.append(this.title, actions);
  }

  setTitle(title: string): void {
    this.title.textContent = title || "New conversation";
    this.title.title = this.title.textContent;
  }
}
