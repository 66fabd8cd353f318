import * as assert from "node:assert/strict";
import type { WebviewToHost } from "../../src/shared/chatProtocol";
import { handleCodeActions } from "../../media/chat/codeBlocks";
import { interceptNavigation } from "../../media/chat/links";
import { lexMarkdown, loadMarkdown, renderMarkdown } from "../../media/chat/markdownRender";
import { MarkdownStream } from "../../media/chat/markdownStream";
import { sanitizeToFragment } from "../../media/chat/sanitize";
import { installDom, uninstallDom } from "./webviewDom";

const SAMPLE = [
  "# Reading the settings",
  "",
  "The `loadSettings` function reads **two** files, then merges them:",
  "",
  "1. the user's settings",
  "2. the workspace's settings",
  "",
  "   with a second paragraph in the item",
  "",
  "3. defaults",
  "",
  "```ts",
  "export function loadSettings(path: string): Settings {",
  "  const text = readFileSync(path, \"utf8\"); // `json`",
  "",
  "  return JSON.parse(text) as Settings;",
  "}",
  "```",
  "Then a paragraph right after the fence, with [a link](https://example.com/docs) and `inline` code.",
  "",
  "- tight item",
  "- another item with `code`",
  "  - nested item",
  "",
  "> A quote",
  "continued lazily.",
  "",
  "| Setting | Default |",
  "| --- | --- |",
  "| `threads` | 0 |",
  "",
  "Setext heading",
  "---",
  "",
  "````md",
  "```",
  "a fence inside a fence",
  "```",
  "````",
  "",
  "```python",
  "def area(r):",
  "    return 3.14 * r ** 2",
  "```",
  "",
  "Done.",
].join("\n");

/** Splits text into chunks of 1 to `max` characters, deterministically. */
function chunksOf(text: string, seed: number, max = 7): string[] {
  const chunks: string[] = [];
  let state = seed;
  for (let index = 0; index < text.length; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const size = 1 + (state % max);
    chunks.push(text.slice(index, index + size));
    index += size;
  }
  return chunks;
}

function oneShot(text: string): string {
  const container = document.createElement("div");
  container.append(renderMarkdown(text));
  return container.innerHTML;
}

function streamed(chunks: readonly string[], options: { finish?: boolean } = {}): HTMLElement {
  const container = document.createElement("div");
  const stream = new MarkdownStream(container);
  for (const chunk of chunks) stream.append(chunk);
  if (options.finish !== false) stream.finish();
  return container;
}

/** A stream whose lexer calls are recorded. */
function watchedStream(): { container: HTMLElement; stream: MarkdownStream; lexed: number[] } {
  const lexed: number[] = [];
  const container = document.createElement("div");
  const stream = new MarkdownStream(container, {
    lex: (source) => {
      lexed.push(source.length);
      return lexMarkdown(source);
    },
  });
  return { container, stream, lexed };
}

describe("chat webview: markdown", () => {
  before(async () => {
    installDom();
    await loadMarkdown();
  });
  after(() => uninstallDom());

  describe("incremental rendering", () => {
    it("ends with the same DOM as rendering the whole answer at once, whatever the chunk boundaries", () => {
      const expected = oneShot(SAMPLE);
      assert.ok(expected.includes("hljs-keyword"), "code is highlighted");
      assert.equal(streamed([SAMPLE]).innerHTML, expected);
      assert.equal(streamed(Array.from(SAMPLE)).innerHTML, expected, "one character at a time");
      for (const seed of [1, 2, 3, 42, 1234]) assert.equal(streamed(chunksOf(SAMPLE, seed)).innerHTML, expected, `seed ${seed}`);
      // Awkward places: inside a fence's backticks, between "\n" and "\n", inside `inline` code.
      const awkward = ["``", "`ts\nexport", "\n", "\n", "`inl", "ine`", "\r\n"];
      for (const cut of awkward) {
        const at = SAMPLE.indexOf(cut.replace("\r\n", "\n"));
        if (at > 0) assert.equal(streamed([SAMPLE.slice(0, at + 1), SAMPLE.slice(at + 1)]).innerHTML, expected, `cut after ${JSON.stringify(cut)}`);
      }
    });

    it("reads Windows line ends, even when a chunk ends between \\r and \\n", () => {
      const windows = SAMPLE.replace(/\n/g, "\r\n");
      assert.equal(streamed(chunksOf(windows, 7, 3)).innerHTML, oneShot(SAMPLE));
    });

    it("keeps an unclosed code fence as the tail until it closes, and highlights it once it is finished", () => {
      const container = document.createElement("div");
      const stream = new MarkdownStream(container);
      stream.append("Intro paragraph.\n\n```ts\nconst a = 1;\n");
      assert.equal(container.querySelector("p")?.textContent, "Intro paragraph.");
      assert.equal(container.querySelector(".code-block code")?.textContent, "const a = 1;");
      assert.equal(container.querySelector(".hljs-keyword"), null, "the growing fence is plain text");
      assert.equal(container.querySelector("button"), null, "no actions on a block still streaming");
      stream.append("const b = 2;\n```\n\nAfter.\n");
      assert.ok(container.querySelector(".hljs-keyword"), "highlighted once committed");
      assert.equal(container.querySelectorAll(".code-block button").length, 4);
      assert.equal(container.querySelector(".code-block code")?.textContent, "const a = 1;\nconst b = 2;");
    });

    it("does not lex the whole answer again per chunk: only the tail", () => {
      const blocks: string[] = [];
      for (let index = 0; index < 50; index++) {
        if (index % 5 === 0) blocks.push(`## Step ${index}`);
        else if (index % 5 === 1) blocks.push(`- first point of ${index}\n- second point\n- third point`);
        else if (index % 5 === 2) blocks.push("```ts\n" + `function step${index}(value: number): number {\n  return value * ${index};\n}\n` + "```");
        else blocks.push(`Paragraph ${index} explains the step above in some detail, with \`code\` and **bold** words.`);
      }
      const answer = blocks.join("\n\n") + "\n";
      const { container, stream, lexed } = watchedStream();
      for (const chunk of chunksOf(answer, 5, 12)) stream.append(chunk);
      const longestBlock = Math.max(...blocks.map((block) => block.length));
      assert.ok(answer.length > 3000);
      assert.ok(Math.max(...lexed) <= 2 * longestBlock + 20, `lexed at most ${Math.max(...lexed)} characters at once`);
      // The work per chunk stays flat: the last chunks lex no more than the first ones.
      const average = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
      assert.ok(average(lexed.slice(-100)) < 2 * average(lexed.slice(0, 100)) + 50);
      stream.finish();
      assert.equal(container.innerHTML, oneShot(answer));
    });
  });

  describe("a long code block streaming", () => {
    /** About 12,000 characters of code, as in "rewrite this file". */
    function longCode(): string {
      const lines: string[] = [];
      for (let index = 0; lines.join("\n").length < 12_000; index++) {
        if (index % 10 === 0) lines.push(`export function handler${index}(input: Input): Output {`);
        else if (index % 10 === 9) lines.push("}\n");
        else lines.push(`  const value${index} = compute(input.field${index}, "<b>&amp;</b>"); // \`${index}\` \t tab`);
      }
      return lines.join("\n");
    }


    const fixedChunks = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));

    it("streams a 12,000-character fence in 4-character chunks to the one-shot render, lexing only a little per chunk", () => {
      const code = longCode();
      const answer = "Here is the file:\n\n```ts\n" + code + "\n```\n";
      assert.ok(code.length >= 12_000);
      const { container, stream, lexed } = watchedStream();
      let codeNode: Element | null = null;
      let replaced = 0;
      for (const chunk of fixedChunks(answer, 4)) {
        stream.append(chunk);
        const now = container.querySelector(".code-block code");
        const draft = !now?.closest(".code-block")?.querySelector("button");
        if (now && codeNode && now !== codeNode && draft) replaced++;
        codeNode = now;
      }
      // The fence closed with its last chunk: the block is final (highlighted, with actions) already.
      assert.equal(container.querySelectorAll(".code-block button").length, 4);
      stream.finish();
      assert.equal(container.innerHTML, oneShot(answer));
      assert.ok(container.querySelector(".hljs-keyword"));
      // The growing block was appended to, not rendered again chunk after chunk (its draft is made
      // again only until its opening line is complete).
      assert.ok(replaced <= 1, `the draft code element was replaced ${replaced} times`);
      // Lexed per chunk: a few short tails, and the whole block once, when it closed.
      const large = lexed.filter((length) => length > 200);
      assert.ok(large.length <= 1, `lexed more than 200 characters ${large.length} times`);
      const total = lexed.reduce((sum, length) => sum + length, 0);
      assert.ok(total < 2 * answer.length, `lexed ${total} characters in all for ${answer.length}`);
    });

    it("shows the code so far while the fence is open", () => {
      const code = longCode();
      const { container, stream, lexed } = watchedStream();
      stream.append("```python\n");
      const text = (): string => container.querySelector(".code-block code")?.textContent ?? "";
      for (const chunk of fixedChunks(code, 4)) {
        stream.append(chunk);
        const shown = text();
        assert.ok(code.startsWith(shown), "shows a beginning of the code");
      }
      assert.equal(lexed.length, 1, "lexed once, when the opening line was complete");
      const pieces = Array.from(container.querySelectorAll(".code-block code > .code-piece"));
      assert.ok(pieces.length >= 10, `the draft is in pieces (${pieces.length}), the last one growing`);
      assert.ok(pieces.every((piece) => (piece.textContent ?? "").length < 1200));
      assert.ok(code.length - text().length < 80, "all of the code but (at most) the line being received");
      assert.equal(container.querySelector(".hljs-keyword"), null, "still plain text");
      assert.equal(container.querySelector(".code-block")?.getAttribute("data-language"), "python");
      stream.finish();
      assert.equal(container.innerHTML, oneShot("```python\n" + code));
    });

    const FENCES = [
      ["a backtick fence closed, then more text in the same chunk", "Intro.\n\n```js\nconst a = 1;\n\n  indented();\n```\nAfter the block.\n\nMore.\n"],
      ["a tilde fence with backticks inside", "~~~md\n```ts\nx\n```\n~~~\n\nNext.\n"],
      ["a four-backtick fence holding a three-backtick one", "````\n```\ninner\n```\n`````  \nafter\n"],
      ["a closing line that is not one (text after the backticks)", "```\na\n``` not a close\n```\ndone\n"],
      ["lines of backticks and spaces inside", "```\n``\n   \n ``x\n    ```\nend\n```\n"],
      ["a fence never closed", "Text.\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n"],
      ["a fence closed at the very end, without a line end", "```sh\nls -la\n```"],
      ["two fences in a row", "```ts\na();\n```\n```py\nb()\n```\n- item\n"],
      ["an empty fence", "```\n```\n\ntext\n"],
      ["an indented fence", "  ```ts\n  const x = 1;\n    y();\n  ```\nz\n"],
      ["a fence in a list item", "1. Do this:\n\n   ```ts\n   x();\n   ```\n2. Then that.\n"],
    ] as const;

    for (const [name, text] of FENCES) {
      it(`ends as the one-shot render: ${name}, whatever the chunks`, () => {
        const expected = oneShot(text);
        const windows = text.replace(/\n/g, "\r\n");
        for (const size of [1, 2, 3, 4, 5, 7, 11]) {
          assert.equal(streamed(fixedChunks(text, size)).innerHTML, expected, `chunks of ${size}`);
          assert.equal(streamed(fixedChunks(windows, size)).innerHTML, expected, `\\r\\n, chunks of ${size}`);
        }
        for (const seed of [1, 9, 77]) assert.equal(streamed(chunksOf(text, seed)).innerHTML, expected, `seed ${seed}`);
        // Cut everywhere in two: splits every closing fence and every "\r\n".
        for (let at = 1; at < windows.length; at++) {
          assert.equal(streamed([windows.slice(0, at), windows.slice(at)]).innerHTML, expected, `cut at ${at}`);
        }
      });
    }

    it("commits a fence once its closing line is complete, before what follows is decided", () => {
      const { container, stream } = watchedStream();
      stream.append("```ts\nconst a = 1;\n``");
      assert.equal(container.querySelector(".code-block code")?.textContent, "const a = 1;", "a line that may close the fence is not shown yet");
      stream.append("`");
      assert.equal(container.querySelector(".code-block button"), null, "not closed until the line ends");
      stream.append("\nAnd then a paragraph that goes on");
      assert.ok(container.querySelector(".hljs-keyword"), "highlighted");
      assert.equal(container.querySelectorAll(".code-block button").length, 4);
      stream.append(" and on.");
      stream.finish();
      assert.equal(container.innerHTML, oneShot("```ts\nconst a = 1;\n```\nAnd then a paragraph that goes on and on."));
    });
  });

  describe("sanitization", () => {
    const FORBIDDEN = new Set(["SCRIPT", "STYLE", "IFRAME", "FRAME", "OBJECT", "EMBED", "FORM", "INPUT", "BUTTON", "TEXTAREA", "SELECT", "META", "LINK", "BASE", "SVG", "MATH", "IMG", "VIDEO", "AUDIO", "SOURCE", "PICTURE"]);
    const LOADING_ATTRIBUTES = new Set(["style", "src", "srcset", "srcdoc", "action", "formaction", "background", "poster", "xlink:href", "http-equiv", "id", "name"]);

    /** Everything model output must never become: elements or attributes that run, load or navigate. */
    function assertInert(container: HTMLElement, input: string): void {
      for (const node of Array.from(container.querySelectorAll("*"))) {
        const own = node.closest(".code-header") !== null;
        if (!own) assert.ok(!FORBIDDEN.has(node.tagName.toUpperCase()), `${input}: <${node.tagName}> survived`);
        for (const { name, value } of Array.from(node.attributes)) {
          assert.ok(!name.toLowerCase().startsWith("on"), `${input}: ${name} survived`);
          assert.ok(!LOADING_ATTRIBUTES.has(name.toLowerCase()), `${input}: ${name} survived`);
          if (name === "href") assert.match(value, /^(https?:|#)/i, `${input}: href ${value}`);
          else assert.ok(!value.includes("evil.example"), `${input}: ${name}="${value}" survived`);
        }
      }
    }

    const ATTACKS = [
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x](  javascript:alert(1))",
      "<iframe src=\"https://evil.example/\"></iframe>",
      "<svg><script>alert(1)</script></svg>",
      "<svg onload=alert(1)><circle r=5></circle></svg>",
      "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
      '<meta http-equiv="refresh" content="0;url=https://evil.example">',
      '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
      '<a href="vscode://settings">settings</a> <a href="file:///etc/passwd">file</a> <a href="command:workbench.action.openSettings">cmd</a>',
      '<div style="background:url(https://evil.example/x)">styled</div>',
      "![x](https://evil.example/x.png)",
      '<form action="https://evil.example/"><input name="q"><button>go</button></form>',
      '<link rel="stylesheet" href="https://evil.example/x.css"><style>body{background:url(https://evil.example/x)}</style>',
      '<object data="https://evil.example/x"></object><embed src="https://evil.example/x"><video src="https://evil.example/x"></video>',
      '<base href="https://evil.example/"><a href="relative">relative</a>',
      '<details open ontoggle=alert(1)><summary>s</summary>x</details>',
      '<a href="https://ok.example" onclick="alert(1)" target="_top" ping="https://evil.example/x">ok</a>',
      '<p id="question" name="app" class="message user">clobber</p>',
      "```html\n<script>alert(1)</script>\n```",
    ];

    for (const attack of ATTACKS) {
      it(`makes model output inert: ${attack.slice(0, 60)}`, () => {
        const text = `Before.\n\n${attack}\n\nAfter.\n`;
        // Both the final render and the draft render of a streaming tail.
        assertInert(streamed([text]), attack);
        assertInert(streamed(chunksOf(text, 3), { finish: false }), attack);
        const tail = document.createElement("div");
        new MarkdownStream(tail).append(attack);
        assertInert(tail, attack);
        // The sanitizer on its own, as if the HTML had reached it unescaped.
        const direct = document.createElement("div");
        direct.append(sanitizeToFragment(attack));
        assertInert(direct, `sanitizer: ${attack}`);
      });
    }

    it("shows HTML the model writes as text, the way VS Code's chat does", () => {
      const container = streamed(["Wrap it in a <section> element.\n\n<div class=\"note\">\nhello\n</div>\n"]);
      assert.equal(container.querySelector("section, div"), null);
      assert.match(container.textContent ?? "", /Wrap it in a <section> element\./);
      assert.match(container.textContent ?? "", /<div class="note">\s+hello\s+<\/div>/);
    });

    it("keeps safe formatting when HTML does reach the sanitizer", () => {
      const direct = document.createElement("div");
      direct.append(sanitizeToFragment('<p><strong>bold</strong> <a href="https://ok.example/">ok</a> <code class="hljs language-ts"><span class="hljs-keyword">const</span></code></p>'));
      assert.equal(direct.innerHTML, '<p><strong>bold</strong> <a href="https://ok.example/">ok</a> <code class="hljs language-ts"><span class="hljs-keyword">const</span></code></p>');
    });

    it("keeps http(s) links and turns an image into a link to it, never an <img>", () => {
      const container = streamed(["See [the docs](https://example.com/a?b=1) and ![diagram](https://evil.example/x.png), ![local](./x.png)."]);
      const links = Array.from(container.querySelectorAll("a")).map((link) => [link.textContent, link.getAttribute("href")]);
      assert.deepEqual(links, [
        ["the docs", "https://example.com/a?b=1"],
        ["diagram", "https://evil.example/x.png"],
      ]);
      assert.equal(container.querySelector("img"), null);
      assert.ok(container.textContent?.includes("local"));
    });

    it("shows code as text: HTML in a code block is not parsed", () => {
      const container = streamed(["```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```\n"]);
      assert.equal(container.querySelector("code")?.textContent, "<script>alert(1)</script>\n<img src=x onerror=alert(1)>");
      assert.equal(container.querySelector("script, img"), null);
    });
  });

  describe("code blocks", () => {
    it("carry Copy, Insert at cursor, Apply to selection and New file, which send the raw code", () => {
      const code = 'const markup = "<b>&amp;</b>";\nif (a < b && c > d) {}';
      const container = streamed(["Here:\n\n```ts\n" + code + "\n```\n"]);
      document.body.append(container);
      const posted: WebviewToHost[] = [];
      handleCodeActions(container, (message) => posted.push(message));
      const buttons = Array.from(container.querySelectorAll<HTMLButtonElement>(".code-block button"));
      assert.deepEqual(
        buttons.map((node) => [node.getAttribute("aria-label"), node.title]),
        [
          ["Copy", "Copy"],
          ["Insert at cursor", "Insert at cursor"],
          ["Apply to selection", "Apply to selection"],
          ["New file", "New file"],
        ],
      );
      for (const node of buttons) node.click();
      assert.deepEqual(posted, [
        { type: "codeAction", action: "copy", code, language: "ts" },
        { type: "codeAction", action: "insert", code, language: "ts" },
        { type: "codeAction", action: "apply", code, language: "ts" },
        { type: "codeAction", action: "newFile", code, language: "ts" },
      ]);
      assert.equal(buttons[0].textContent, "Copied");
      container.remove();
    });

    it("sends no language for a fence without one", () => {
      const container = streamed(["```\nplain text\n```\n"]);
      const posted: WebviewToHost[] = [];
      handleCodeActions(container, (message) => posted.push(message));
      container.querySelector<HTMLButtonElement>('[aria-label="New file"]')?.click();
      assert.deepEqual(posted, [{ type: "codeAction", action: "newFile", code: "plain text" }]);
    });
  });

  describe("links", () => {
    it("never navigate the webview: web links go to the host, others do nothing", () => {
      const container = streamed(["[web](https://example.com/x) and [anchor](#part) and [bad](javascript:alert(1))\n"]);
      document.body.append(container);
      const posted: WebviewToHost[] = [];
      interceptNavigation(document, (message) => posted.push(message));
      const prevented = Array.from(container.querySelectorAll("a")).map((link) => {
        const event = new window.MouseEvent("click", { bubbles: true, cancelable: true });
        link.dispatchEvent(event);
        return event.defaultPrevented;
      });
      assert.deepEqual(prevented, [true, true, true]);
      assert.deepEqual(posted, [{ type: "openLink", href: "https://example.com/x" }]);
      container.remove();
    });
  });
});
