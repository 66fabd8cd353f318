// The question box and its Send/Stop button, keyboard first: Enter sends, Shift+Enter starts a
// new line, Escape stops a streaming answer, ↑ in an empty box edits the last question, and
// `#file` (typed, then space or Enter) asks the host for a file to attach.
import type { ContextChipsBar } from "./contextChips";
import { button, element } from "./dom";
import type { DraftStore, PostToHost } from "./hostApi";
import { icon } from "./icons";

export interface ComposerOptions {
  readonly post: PostToHost;
  readonly drafts: DraftStore;
  readonly chips: ContextChipsBar;
  /** The last question asked, for ↑. */
  readonly lastQuestion: () => { readonly id: string; readonly text: string } | undefined;
}

const FILE_TOKEN = "#file";
/** `#file` typed and followed by a space or new line, just before the caret. */
const TYPED_FILE_TOKEN = /(^|\s)#file\s$/;
/** `#file` just before the caret (Enter completes it). */
const FILE_TOKEN_AT_CARET = /(^|\s)#file$/;
/** A start of `#file` being typed, for the suggestion. */
const PARTIAL_TOKEN_AT_CARET = /(^|\s)(#[a-z]{0,4})$/i;

export class Composer {
  readonly element = element("footer", "composer");
  readonly box = element("textarea", "question");
  private readonly sendButton: HTMLButtonElement;
  private readonly editBanner = element("div", "edit-banner");
  private readonly suggestion: HTMLButtonElement;
  private streaming = false;
  private editing: { readonly messageId: string; readonly draftBefore: string } | undefined;

  constructor(private readonly options: ComposerOptions) {
    this.box.id = "question";
    this.box.rows = 1;
    this.box.setAttribute("aria-label", "Ask Hearth");
    this.box.placeholder = "Ask Hearth (#file adds a file)";
    this.box.setAttribute("aria-describedby", "composer-keys");
    const keys = element("span", "visually-hidden", "Enter sends. Shift+Enter starts a new line. Up arrow in an empty box edits your last question. Type #file to add a file.");
    keys.id = "composer-keys";

    this.sendButton = button({ label: "Send", icon: icon("send"), className: "send", onClick: () => this.sendOrStop() });
    this.sendButton.id = "send";
    this.suggestion = button({
      label: "Insert #file: add a file to the context",
      text: "#file · add a file to the context",
      className: "file-suggestion",
      onClick: () => this.acceptSuggestion(),
    });
    this.suggestion.hidden = true;
    this.suggestion.tabIndex = -1;

    this.editBanner.hidden = true;
    this.editBanner.append(
      element("span", "", "Editing your question: sending it replaces the question and what followed."),
      button({ label: "Cancel edit", text: "Cancel", icon: icon("close"), className: "secondary cancel-edit", onClick: () => this.cancelEdit() }),
    );

    const row = element("div", "input-row");
    row.append(this.box, this.sendButton);
    this.element.append(this.options.chips.element, this.editBanner, this.suggestion, row, keys);

    this.box.addEventListener("keydown", (event) => this.onKeyDown(event));
    this.box.addEventListener("input", (event) => this.onInput(event as InputEvent));
    this.restore();
  }

  setStreaming(streaming: boolean): void {
    this.streaming = streaming;
    this.element.classList.toggle("streaming", streaming);
    this.updateSendButton();
  }

  /** Loads a question into the box to edit it and ask again. */
  edit(messageId: string, text: string): void {
    this.editing = { messageId, draftBefore: this.editing ? this.editing.draftBefore : this.box.value };
    this.setText(text);
    this.editBanner.hidden = false;
    this.element.classList.add("editing");
  }

  cancelEdit(): void {
    const before = this.editing?.draftBefore ?? "";
    this.leaveEditMode();
    this.setText(before);
  }

  /** Keeps edit mode only while the question being edited is still shown. */
  keepEditIf(exists: (messageId: string) => boolean): void {
    if (this.editing && !exists(this.editing.messageId)) {
      this.leaveEditMode();
      this.save();
    }
  }

  prefill(text: string): void {
    this.leaveEditMode();
    this.setText(text);
  }

  focus(): void {
    this.box.focus();
  }

  private setText(text: string): void {
    this.box.value = text;
    this.box.setSelectionRange(text.length, text.length);
    this.box.focus();
    this.afterTextChange();
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.isComposing) return;
    const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
    if (event.key === "Enter" && plain) {
      event.preventDefault();
      if (this.takeFileToken(FILE_TOKEN_AT_CARET)) return;
      if (!this.suggestion.hidden) this.acceptSuggestion();
      else this.send();
    } else if (event.key === "Escape") {
      if (this.streaming) this.options.post({ type: "stop" });
      else if (!this.suggestion.hidden) this.suggestion.hidden = true;
      else if (this.editing) this.cancelEdit();
      else return;
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === "ArrowUp" && plain && this.box.value === "") {
      const last = this.options.lastQuestion();
      if (!last) return;
      event.preventDefault();
      this.edit(last.id, last.text);
    } else if (event.key === "Tab" && plain && !this.suggestion.hidden) {
      event.preventDefault();
      this.acceptSuggestion();
    }
  }

  private onInput(event: InputEvent): void {
    if (!event.isComposing) this.takeFileToken(TYPED_FILE_TOKEN);
    this.afterTextChange();
  }

  /** Removes a `#file` token before the caret and asks the host for a file; false if there is none. */
  private takeFileToken(pattern: RegExp): boolean {
    const caret = this.box.selectionStart;
    if (caret !== this.box.selectionEnd) return false;
    const match = pattern.exec(this.box.value.slice(0, caret));
    if (!match) return false;
    this.box.setRangeText("", match.index + match[1].length, caret, "end");
    this.options.post({ type: "addFileContext" });
    this.afterTextChange();
    return true;
  }

  private acceptSuggestion(): void {
    const caret = this.box.selectionStart;
    const match = PARTIAL_TOKEN_AT_CARET.exec(this.box.value.slice(0, caret));
    if (match) this.box.setRangeText("", match.index + match[1].length, caret, "end");
    this.options.post({ type: "addFileContext" });
    this.box.focus();
    this.afterTextChange();
  }

  private afterTextChange(): void {
    const partial = PARTIAL_TOKEN_AT_CARET.exec(this.box.value.slice(0, this.box.selectionStart))?.[2].toLowerCase();
    this.suggestion.hidden = !partial || partial === FILE_TOKEN || !FILE_TOKEN.startsWith(partial);
    this.updateSendButton();
    this.save();
  }

  private sendOrStop(): void {
    if (this.streaming) this.options.post({ type: "stop" });
    else this.send();
    this.box.focus();
  }

  private send(): void {
    const text = this.box.value;
    if (this.streaming || !text.trim()) return;
    if (this.editing) this.options.post({ type: "editAndResend", messageId: this.editing.messageId, text });
    else this.options.post({ type: "send", text });
    this.leaveEditMode();
    this.setText("");
  }

  private leaveEditMode(): void {
    this.editing = undefined;
    this.editBanner.hidden = true;
    this.element.classList.remove("editing");
  }

  private updateSendButton(): void {
    const label = this.streaming ? "Stop" : "Send";
    this.sendButton.title = this.streaming ? "Stop the answer (Escape)" : "Send (Enter)";
    if (this.sendButton.getAttribute("aria-label") !== label) {
      this.sendButton.setAttribute("aria-label", label);
      this.sendButton.replaceChildren(icon(this.streaming ? "stop" : "send"));
      this.sendButton.classList.toggle("stop", this.streaming);
    }
    this.sendButton.disabled = !this.streaming && !this.box.value.trim();
  }

  private save(): void {
    const editingMessageId = this.editing?.messageId;
    this.options.drafts.save(editingMessageId ? { draft: this.box.value, editingMessageId } : { draft: this.box.value });
  }

  private restore(): void {
    const state = this.options.drafts.load();
    this.box.value = state?.draft ?? "";
    if (state?.editingMessageId) {
      this.editing = { messageId: state.editingMessageId, draftBefore: "" };
      this.editBanner.hidden = false;
      this.element.classList.add("editing");
    }
    this.updateSendButton();
  }
}
