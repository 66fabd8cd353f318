// The chat view's webview script: starts the view, routes the host's messages to it and tells
// the host it is ready (the host then sends the status, the conversation and the context).
import "./chat.css";
import { ChatApp } from "./chatApp";
import { warmUpHighlighting } from "./highlight";
import { connectToHost } from "./hostApi";
import { loadMarkdown } from "./markdownRender";

const { post, drafts } = connectToHost();

loadMarkdown().then(
  () => {
    const root = document.getElementById("app") ?? document.body;
    const app = new ChatApp(root, { post, drafts });
    // Synchronously, chunk by chunk: the host already batches streaming text.
    window.addEventListener("message", (event: MessageEvent<unknown>) => app.handle(event.data));
    post({ type: "ready" });
    warmUpHighlighting();
  },
  (error: unknown) => {
    document.body.textContent = `Hearth's chat view could not start: ${String(error)}`;
  },
);
