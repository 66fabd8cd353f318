import * as assert from "node:assert/strict";
import { DEFAULT_COMMAND_PROMPTS, DEFAULT_SYSTEM_PROMPT, parseCustomCommands, renderTemplate } from "../../src/chat/promptTemplates";

/** The default templates by name. */
const templates = Object.entries({ ...DEFAULT_COMMAND_PROMPTS } as Readonly<Record<string, string>>);
const values = { selection: "const x = 1;", language: "typescript", file: "src/a.ts", input: "" };

describe("prompt templates", () => {
  it("fill every placeholder, every time it occurs", () => {
    const text = renderTemplate("{language} in {file}: {input}\n{selection}\n{language} again, {file} again, {selection}", {
      ...values,
      input: "Why?",
    });
    assert.equal(text, "typescript in src/a.ts: Why?\nconst x = 1;\ntypescript again, src/a.ts again, const x = 1;");
  });

  it("leave other braces alone, and never read placeholders inside the values", () => {
    assert.equal(
      renderTemplate("Code: function f() { return {a: 1}; } {unknown} {selection} {{file}}", values),
      "Code: function f() { return {a: 1}; } {unknown} const x = 1; {src/a.ts}",
    );
    const selection = "function f() { return {a: 1}; } // {input} {file}";
    assert.equal(renderTemplate("{selection} / {input}", { ...values, selection, input: "{selection}" }), `${selection} / {selection}`);
  });

  it("fence the selection past any backticks in it", () => {
    const selection = "const md = `inline`;\nconst block = '```js';";
    const text = renderTemplate(DEFAULT_COMMAND_PROMPTS.explain, { ...values, selection });
    assert.ok(text.endsWith(`\`\`\`\`typescript\n${selection}\n\`\`\`\``), text);
    const longer = renderTemplate("`````\n{selection}\n`````", { ...values, selection });
    assert.equal(longer, `\`\`\`\`\`\n${selection}\n\`\`\`\`\``, "a fence already long enough is kept");
    assert.equal(renderTemplate("```{language}\n{selection}\n```", { ...values, selection: "a\n\n" }), "```typescript\na\n```", "trailing newlines dropped");
  });

  it("leave no blank lines or stray spaces where an empty {input} was", () => {
    for (const [name, template] of templates) {
      const text = renderTemplate(template, values);
      assert.ok(!text.includes("\n\n\n"), name);
      assert.ok(!/[ \t]\n/.test(text), name);
      assert.ok(!text.includes("{input}"), name);
    }
    assert.equal(renderTemplate("Explain this. {input}\n\n{selection}", values), "Explain this.\n\nconst x = 1;");
    assert.equal(renderTemplate("{input}\n\nExplain {selection}", values), "Explain const x = 1;");
    assert.equal(renderTemplate("Explain\n\n{input}\n\n{selection}", { ...values, input: "  " }), "Explain\n\nconst x = 1;");
    assert.equal(renderTemplate("Explain\n\n{input}\n\n{selection}", { ...values, input: "Be brief." }), "Explain\n\nBe brief.\n\nconst x = 1;");
  });

  it("default templates use every placeholder and fence the selection", () => {
    const rendered = renderTemplate(DEFAULT_COMMAND_PROMPTS.explain, { ...values, input: "Focus on x." });
    assert.equal(rendered.split("\n\n")[1], "Focus on x.");
    for (const [name, template] of templates) {
      for (const placeholder of ["{selection}", "{language}", "{file}", "{input}"]) assert.ok(template.includes(placeholder), `${name}: ${placeholder}`);
      assert.ok(template.endsWith("```{language}\n{selection}\n```"), name);
    }
    assert.match(DEFAULT_COMMAND_PROMPTS.tests, /framework/);
    assert.match(DEFAULT_COMMAND_PROMPTS.document, /convention/);
    assert.match(DEFAULT_COMMAND_PROMPTS.fix, /corrected code/);
    assert.match(DEFAULT_SYSTEM_PROMPT, /Markdown/);
    assert.match(DEFAULT_SYSTEM_PROMPT, /not sure/);
  });
});

describe("custom commands", () => {
  it("keep valid entries, trimmed names", () => {
    const { commands, problems } = parseCustomCommands([
      { name: " Review ", prompt: "Review {selection}" },
      { name: "Optimize", prompt: "Make {selection} faster", extra: true },
    ]);
    assert.deepEqual(commands, [
      { name: "Review", prompt: "Review {selection}" },
      { name: "Optimize", prompt: "Make {selection} faster" },
    ]);
    assert.deepEqual(problems, []);
  });

  it("report each invalid entry by position and name, and skip it", () => {
    const { commands, problems } = parseCustomCommands([
      { name: "Good", prompt: "{selection}" },
      "Review this",
      { prompt: "no name" },
      { name: "Empty", prompt: "  " },
      { name: "Numbered", prompt: 3 },
      { name: "good", prompt: "again" },
      null,
      [],
    ]);
    assert.deepEqual(commands, [{ name: "Good", prompt: "{selection}" }]);
    assert.deepEqual(problems, [
      'Custom command 2 is not an entry with a "name" and a "prompt"; it is skipped.',
      'Custom command 3 has no "name"; it is skipped.',
      'Custom command 4 ("Empty") has no "prompt"; it is skipped.',
      'Custom command 5 ("Numbered") has no "prompt"; it is skipped.',
      'Custom command 6 ("good") has the same name as an earlier one; it is skipped.',
      'Custom command 7 is not an entry with a "name" and a "prompt"; it is skipped.',
      'Custom command 8 is not an entry with a "name" and a "prompt"; it is skipped.',
    ]);
  });

  it("accept a missing setting and refuse one that is not a list", () => {
    assert.deepEqual(parseCustomCommands(undefined), { commands: [], problems: [] });
    assert.deepEqual(parseCustomCommands([]), { commands: [], problems: [] });
    const { commands, problems } = parseCustomCommands({ name: "Review", prompt: "x" });
    assert.deepEqual(commands, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /must be a list/);
  });
});
