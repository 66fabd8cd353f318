import * as assert from "node:assert/strict";
import { chatViewHtml } from "../../src/chat/chatViewHtml";
import { isWebviewToHost } from "../../src/shared/chatProtocol";

describe("chat view", () => {
  const html = chatViewHtml({
    cspSource: "https://webview.example",
    scriptUri: "https://webview.example/chat.js",
    styleUri: "https://webview.example/chat.css",
    nonce: "bm9uY2Uh",
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";

  it("allows nothing by default, only our stylesheet, and only the script that carries the page's nonce", () => {
    assert.equal(csp, "default-src 'none'; style-src https://webview.example; script-src 'nonce-bm9uY2Uh'; form-action 'none'; base-uri 'none'");
    assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"));
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script nonce="bm9uY2Uh" src="https://webview.example/chat.js">']);
  });

  it("gives the webview script one element to render the view into", () => {
    assert.equal(html.match(/<div id="app">/g)?.length, 1);
  });

  it("accepts only the messages of its protocol, and only allow-listed commands", () => {
    assert.ok(isWebviewToHost({ type: "ready" }));
    assert.ok(isWebviewToHost({ type: "runCommand", command: "hearth.selectModel" }));
    assert.ok(isWebviewToHost({ type: "runCommand", command: "hearth.openSettings", argument: "hearth.ollama.host" }));
    for (const bad of [
      null,
      "ready",
      { type: "runCommand", command: "workbench.action.terminal.new" },
      { type: "runCommand", command: "hearth.openSettings", argument: { evil: true } },
      { type: "eval", code: "1" },
    ]) {
      assert.ok(!isWebviewToHost(bad), JSON.stringify(bad));
    }
  });
});
