import * as assert from "node:assert/strict";
import { CONVERSATION_FORMAT, CONVERSATION_FORMAT_VERSION, isValidId, newId, type Conversation } from "../../src/chat/conversation";
import {
  conversationToJson,
  conversationToMarkdown,
  importConversation,
  parseConversation,
  toSummary,
} from "../../src/chat/conversationFile";

const codeWithFence = 'const readme = `\n```ts\nlet x = 1;\n```\n`;\nconsole.log("````");';

function sampleConversation(id = "c1", title = "Why does the parser fail?"): Conversation {
  return {
    format: CONVERSATION_FORMAT,
    version: CONVERSATION_FORMAT_VERSION,
    id,
    title,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_060_000,
    messages: [
      {
        id: "m1",
        role: "user",
        text: "Why does parse() throw on empty input?",
        status: "complete",
        createdAt: 1_700_000_000_000,
        context: [
          { id: "x1", kind: "selection", label: "parser.ts:3-9", source: "/repo/src/parser.ts", language: "typescript", text: codeWithFence },
          { id: "x2", kind: "file", label: "README.md", detail: "/repo/README.md", text: "# Readme\n" },
        ],
      },
      {
        id: "m2",
        role: "assistant",
        text: "Because `tokens[0]` is undefined.\n\n```ts\nif (!tokens.length) return;\n```",
        status: "complete",
        createdAt: 1_700_000_010_000,
        usage: {
          model: "qwen2.5-coder-7b",
          backend: "llama.cpp",
          promptTokens: 812,
          reusedPromptTokens: 600,
          completionTokens: 95,
          timeToFirstTokenMs: 420,
          tokensPerSecond: 31.25,
        },
      },
      { id: "m3", role: "user", text: "And for whitespace?", status: "complete", createdAt: 1_700_000_020_000 },
      { id: "m4", role: "assistant", text: "Trim it fir", status: "failed", error: "The server closed the connection.", createdAt: 1_700_000_030_000 },
      { id: "m5", role: "user", text: "Try again", status: "complete", createdAt: 1_700_000_040_000 },
      { id: "m6", role: "assistant", text: "Sure, trim", status: "stopped", leftOut: "README.md", createdAt: 1_700_000_050_000 },
    ],
  };
}

/** The sample as plain JSON data, to break in tests. */
function sampleData(): Record<string, unknown> & { messages: Array<Record<string, unknown>> } {
  return JSON.parse(conversationToJson(sampleConversation())) as Record<string, unknown> & { messages: Array<Record<string, unknown>> };
}

function refusal(text: string): string {
  const result = importConversation(text, "fresh", 5);
  assert.ok(!result.ok, "expected the file to be refused");
  return result.message;
}

describe("conversation files", () => {
  it("exports JSON that imports back to the same conversation, with a new id and time", () => {
    const original = sampleConversation();
    const imported = importConversation(conversationToJson(original), "fresh-id", 1_800_000_000_000);
    assert.ok(imported.ok);
    assert.deepEqual(imported.conversation, { ...original, id: "fresh-id", updatedAt: 1_800_000_000_000 });
    const parsed = parseConversation(conversationToJson(original));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.conversation, original);
  });

  it("writes the fields in a stable order, pretty-printed, and drops fields it does not know", () => {
    const original = sampleConversation();
    const shuffled = { extra: "dropped", ...Object.fromEntries(Object.entries(original).reverse()) } as unknown as Conversation;
    const json = conversationToJson(shuffled);
    assert.equal(json, conversationToJson(original));
    assert.match(json, /^\{\n {2}"format": "hearth\.conversation",\n {2}"version": 1,\n {2}"id": "c1",\n {2}"title"/);
    const data = { ...sampleData(), comment: "from a newer tool" };
    const parsed = parseConversation(JSON.stringify(data));
    assert.ok(parsed.ok);
    assert.ok(!("comment" in parsed.conversation));
  });

  it("imports an answer that was still streaming as stopped", () => {
    const data = sampleData();
    data.messages[5] = { ...data.messages[5], status: "streaming" };
    const imported = importConversation(JSON.stringify(data), "fresh", 5);
    assert.ok(imported.ok);
    assert.equal(imported.conversation.messages[5]?.status, "stopped");
    assert.equal(imported.conversation.messages[3]?.status, "failed");
  });

  it("exports Markdown with the title, questions, answers, attached code intact, and what went wrong", () => {
    const markdown = conversationToMarkdown(sampleConversation());
    assert.match(markdown, /^# Why does the parser fail\?\n/);
    for (const text of ["### You\n\nWhy does parse() throw on empty input?", "### Hearth (qwen2.5-coder-7b)\n\nBecause `tokens[0]` is undefined.", "And for whitespace?"]) {
      assert.ok(markdown.includes(text), text);
    }
    // The answer's own code block is kept as written.
    assert.ok(markdown.includes("```ts\nif (!tokens.length) return;\n```"));
    // Attached code holding ``` and ```` sits in a longer fence, so it stays one block.
    const fenced = /\*\*parser\.ts:3-9\*\* \(selection from \/repo\/src\/parser\.ts\)\n\n(`{5,})typescript\n([\s\S]*?)\n\1\n/.exec(markdown);
    assert.ok(fenced, markdown);
    assert.equal(fenced[1], "`````");
    assert.equal(fenced[2], codeWithFence);
    assert.ok(markdown.includes("**README.md** (file)\n\n```\n# Readme\n```"));
    assert.match(markdown, /\*The answer failed: The server closed the connection\.\*/);
    assert.match(markdown, /\*Stopped before the answer was complete\.\*/);
    assert.match(markdown, /\*Left out to fit the context window: README\.md\*/);
    assert.match(markdown, /\*llama\.cpp · 812 prompt tokens \(600 reused\) · 95 answer tokens · 31\.3 tokens\/s · first token after 0\.42 s\*/);
    assert.match(markdown, /### Hearth\n\nTrim it fir/);
  });

  it("closes a code block that a stopped answer left open, so the next question is not swallowed", () => {
    const original = sampleConversation();
    const cut = { ...original, messages: original.messages.map((message) => (message.id === "m4" ? { ...message, text: "Like this:\n````ts\nconst s = ```" } : message)) };
    const markdown = conversationToMarkdown(cut);
    assert.ok(markdown.includes("Like this:\n````ts\nconst s = ```\n````\n\n*The answer failed"), markdown);
    assert.ok(conversationToMarkdown(original).includes("Because `tokens[0]` is undefined.\n\n```ts\nif (!tokens.length) return;\n```\n\n*llama.cpp"));
  });

  it("refuses a file from a newer Hearth, saying to update", () => {
    const result = parseConversation(JSON.stringify({ ...sampleData(), version: CONVERSATION_FORMAT_VERSION + 1, messages: "a new layout" }));
    assert.ok(!result.ok);
    assert.equal(result.message, "This conversation was saved by a newer version of Hearth (format 2); update Hearth to open it.");
    assert.equal(result.newerVersion, 2);
  });

  it("refuses what is not a Hearth conversation, saying why", () => {
    assert.match(refusal("not json {"), /^This file is not valid JSON \(.+\), so it is not a Hearth conversation\.$/);
    assert.match(refusal('{"format": "hearth.conversation", "version": 1, "id": "a"'), /not valid JSON/);
    assert.equal(refusal("[1, 2]"), "This file is not a Hearth conversation: it holds a list, not an object.");
    assert.equal(refusal('{"messages": []}'), 'This file is not a Hearth conversation: it has no "format" field, expected "hearth.conversation".');
    assert.equal(
      refusal(JSON.stringify({ ...sampleData(), format: "continue.session" })),
      'This file is not a Hearth conversation: its format is "continue.session", expected "hearth.conversation".',
    );
  });

  it("refuses a damaged conversation, naming the field, what it holds and what was expected", () => {
    const broken = (change: (data: ReturnType<typeof sampleData>) => void): string => {
      const data = sampleData();
      change(data);
      return refusal(JSON.stringify(data));
    };
    const invalid = "This Hearth conversation file is invalid: ";
    assert.equal(broken((data) => delete data.title), `${invalid}title is missing, expected a string.`);
    assert.equal(broken((data) => (data.createdAt = "yesterday")), `${invalid}createdAt is "yesterday", expected a number ≥ 0.`);
    assert.equal(broken((data) => (data.version = 1.5)), `${invalid}version is 1.5, expected a whole number ≥ 1.`);
    assert.equal(broken((data) => (data.id = "../../etc")), `${invalid}id is "../../etc", expected an id of 1 to 64 letters, digits, "_" or "-".`);
    assert.equal(broken((data) => (data.messages = {} as never)), `${invalid}messages is an object, expected a list.`);
    assert.equal(broken((data) => (data.messages[3] = { ...data.messages[3], role: "robot" })), `${invalid}messages[3].role is "robot", expected "user" or "assistant".`);
    assert.equal(
      broken((data) => (data.messages[1] = { ...data.messages[1], status: "done" })),
      `${invalid}messages[1].status is "done", expected "complete", "streaming", "stopped" or "failed".`,
    );
    assert.equal(broken((data) => (data.messages[2] = null as never)), `${invalid}messages[2] is null, expected an object.`);
    assert.equal(broken((data) => (data.messages[2] = { ...data.messages[2], id: "m1" })), `${invalid}messages[2].id "m1" is also the id of an earlier message.`);
    assert.equal(broken((data) => (data.messages[3] = { ...data.messages[3], error: 42 })), `${invalid}messages[3].error is 42, expected a string.`);
    assert.equal(
      broken((data) => ((data.messages[0]?.context as Array<Record<string, unknown>>)[1] = { id: "x2", kind: "folder", label: "src", text: "" })),
      `${invalid}messages[0].context[1].kind is "folder", expected "selection" or "file".`,
    );
    assert.equal(
      broken((data) => ((data.messages[0]?.context as Array<Record<string, unknown>>)[0] = { id: "x1", kind: "file", label: "a.ts" })),
      `${invalid}messages[0].context[0].text is missing, expected a string.`,
    );
    assert.equal(
      broken((data) => (data.messages[1] = { ...data.messages[1], usage: { ...(data.messages[1]?.usage as object), promptTokens: -3 } })),
      `${invalid}messages[1].usage.promptTokens is -3, expected a whole number ≥ 0.`,
    );
    assert.equal(
      broken((data) => (data.messages[1] = { ...data.messages[1], usage: { ...(data.messages[1]?.usage as object), model: null } })),
      `${invalid}messages[1].usage.model is null, expected a string.`,
    );
  });

  it("refuses a file over the size cap without parsing it", () => {
    const huge = `{"format": "hearth.conversation", "padding": "${"x".repeat(21 * 1024 * 1024)}"}`;
    assert.equal(refusal(huge), "This file is larger than 20 MB, too large for a Hearth conversation.");
    // Multi-byte text counts in UTF-8 bytes, not characters.
    assert.match(refusal(`{"padding": "${"é".repeat(10.5 * 1024 * 1024)}"}`), /larger than 20 MB/);
  });

  it("summarises a conversation and makes fresh, valid, time-ordered ids", () => {
    assert.deepEqual(toSummary(sampleConversation()), { id: "c1", title: "Why does the parser fail?", updatedAt: 1_700_000_060_000, messageCount: 6 });
    const ids = Array.from({ length: 50 }, () => newId("c"));
    assert.ok(ids.every(isValidId));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(!isValidId("../x") && !isValidId("") && !isValidId("a".repeat(65)) && !isValidId("a.json"));
  });
});
