// The chat view's messages are checked before the host acts on them: a webview shows model
// output, so anything it sends is treated as untrusted.
import * as assert from "node:assert/strict";
import { parseWebviewMessage } from "../../src/shared/chatProtocol";

describe("chat view protocol", () => {
  it("accepts each message the webview may send, with fields of the right types", () => {
    for (const good of [
      { type: "ready" },
      { type: "send", text: "Why?" },
      { type: "stop" },
      { type: "regenerate" },
      { type: "editAndResend", messageId: "mabc123", text: "Again" },
      { type: "openConversation", id: "c-1_a" },
      { type: "exportConversation", format: "json" },
      { type: "codeAction", action: "apply", code: "x = 1", language: "python" },
      { type: "codeAction", action: "copy", code: "" },
      { type: "runCommand", command: "hearth.showModelsView" },
      { type: "runCommand", command: "hearth.openSettings", argument: "hearth.llamaCpp.contextSize" },
      { type: "openLink", href: "https://example.com" },
    ]) {
      assert.deepEqual(parseWebviewMessage(good), good, JSON.stringify(good));
    }
  });

  it("refuses unknown messages, known commands with arguments of the wrong type, extra fields and unsafe ids", () => {
    for (const bad of [
      undefined,
      null,
      [],
      "send",
      { type: "toString" },
      { type: "__proto__" },
      { type: "eval", code: "1" },
      { type: "send" },
      { type: "send", text: 42 },
      { type: "send", text: "hi", extra: true },
      { type: "editAndResend", messageId: "../../etc/passwd", text: "x" },
      { type: "openConversation", id: "" },
      { type: "openConversation", id: { toString: "c1" } },
      { type: "exportConversation", format: "html" },
      { type: "codeAction", action: "run", code: "rm -rf /" },
      { type: "codeAction", action: "insert", code: ["x"] },
      { type: "runCommand", command: "workbench.action.terminal.new" },
      { type: "runCommand", command: "hearth.openSettings", argument: { evil: true } },
      { type: "runCommand", command: "hearth.selectModel", argument: "x" },
      { type: "runCommand", command: "hearth.openSettings", argument: "workbench.colorTheme" },
    ]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad) ?? "undefined");
    }
  });
});
