// Syntax highlighting for finished code blocks: highlight.js's core with the languages people
// ask about most (the full bundle would triple the webview's size). Output is class-based
// `hljs-*` spans; chat.css colours them with the theme's variables.
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import csharp from "highlight.js/lib/languages/csharp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import dockerfile from "highlight.js/lib/languages/dockerfile";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import kotlin from "highlight.js/lib/languages/kotlin";
import makefile from "highlight.js/lib/languages/makefile";
import markdown from "highlight.js/lib/languages/markdown";
import php from "highlight.js/lib/languages/php";
import plaintext from "highlight.js/lib/languages/plaintext";
import powershell from "highlight.js/lib/languages/powershell";
import python from "highlight.js/lib/languages/python";
import ruby from "highlight.js/lib/languages/ruby";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import swift from "highlight.js/lib/languages/swift";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

const LANGUAGES = {
  bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, makefile, markdown,
  php, plaintext, powershell, python, ruby, rust, shell, sql, swift, typescript, xml, yaml,
};
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
// Names models and VS Code use that the grammars do not already answer to.
hljs.registerAliases(["jsonc", "json5"], { languageName: "json" });
hljs.registerAliases(["sh", "zsh", "shellscript"], { languageName: "bash" });
hljs.registerAliases(["console", "terminal"], { languageName: "shell" });
hljs.registerAliases(["text", "txt"], { languageName: "plaintext" });
hljs.registerAliases(["vue", "svelte"], { languageName: "xml" });
// SCSS and Less read well enough as CSS (their own grammars would add 15 kB).
hljs.registerAliases(["scss", "sass", "less"], { languageName: "css" });
hljs.registerAliases(["typescriptreact", "mts", "cts"], { languageName: "typescript" });
hljs.registerAliases(["javascriptreact", "mjs", "cjs"], { languageName: "javascript" });
hljs.registerAliases(["objective-c", "cuda"], { languageName: "cpp" });

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** The code as HTML: highlighted spans for a known language, escaped plain text otherwise. */
export function highlightToHtml(code: string, language: string | undefined): string {
  if (!language || !hljs.getLanguage(language)) return escapeHtml(code);
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

/** The languages answers use most, in the order they are prepared. */
const WARM_UP_ORDER = ["typescript", "javascript", "python", "bash", "json", "shell", "rust", "go", "java", "cpp", "c", "csharp", "css", "xml", "yaml", "sql"];

/**
 * highlight.js compiles a grammar the first time it is used, which can take tens of
 * milliseconds: done at idle time, one language per idle slot, the first code block of an
 * answer does not stall the stream.
 */
export function warmUpHighlighting(): void {
  if (typeof window.requestIdleCallback !== "function") return;
  const queue = [...WARM_UP_ORDER];
  const warmNext = (): void => {
    const language = queue.shift();
    if (!language) return;
    hljs.highlight("const value = f(1, 'a'); // x", { language, ignoreIllegals: true });
    window.requestIdleCallback(warmNext, { timeout: 5000 });
  };
  window.requestIdleCallback(warmNext, { timeout: 5000 });
}
