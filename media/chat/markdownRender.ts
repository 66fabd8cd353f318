// Markdown tokens → safe DOM. Two marked instances share one lexer configuration: the final one
// highlights code (once, when a block is finished); the draft one renders the still-growing end
// of a streaming answer cheaply, code as plain text.
// marked is ESM-only, so it is loaded with `import()` (bundled by esbuild, required by Node in
// the unit tests): call `loadMarkdown()` once before rendering.
import type { Marked, Token, TokensList } from "marked" with { "resolution-mode": "import" };
import { decorateCodeBlocks } from "./codeBlocks";
import { escapeHtml, highlightToHtml } from "./highlight";
import { isAllowedHref, sanitizeToFragment } from "./sanitize";

/** The first word of a fence's info string, if it is a plain language name. */
function fenceLanguage(info: string | undefined): string | undefined {
  return /^[\w+#.-]+/.exec(info?.trim() ?? "")?.[0]?.toLowerCase();
}

function createMarked(MarkedImplementation: typeof Marked, highlight: boolean): Marked {
  return new MarkedImplementation({
    gfm: true,
    breaks: false,
    renderer: {
      code({ text, lang }) {
        const language = fenceLanguage(lang);
        const body = highlight ? highlightToHtml(text, language) : escapeHtml(text);
        const languageClass = language ? ` language-${language}` : "";
        return `<pre><code class="hljs${languageClass}">${body}</code></pre>\n`;
      },
      // Never an <img>: an image would load a remote resource. A web image becomes a link to it.
      image({ href, text }) {
        const label = escapeHtml(text || "image");
        return isAllowedHref(href) && !href.startsWith("#") ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
      },
      // HTML the model writes is shown as text, as VS Code's own chat does: a tag mentioned without
      // backticks stays readable instead of vanishing, and DOMPurify (which also strips anything
      // dangerous from what marked itself makes) never has to parse hostile markup.
      html({ text, block }) {
        return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
      },
      // Task-list boxes as characters: inputs are not allowed in the page.
      checkbox({ checked }) {
        return checked ? "☑ " : "☐ ";
      },
    },
  });
}

let instances: { readonly final: Marked; readonly draft: Marked } | undefined;

export async function loadMarkdown(): Promise<void> {
  if (instances) return;
  const { Marked: MarkedImplementation } = await import("marked");
  instances = { final: createMarked(MarkedImplementation, true), draft: createMarked(MarkedImplementation, false) };
}

function loaded(): { readonly final: Marked; readonly draft: Marked } {
  if (!instances) throw new Error("Markdown rendering used before loadMarkdown() finished.");
  return instances;
}

export function lexMarkdown(source: string): TokensList {
  return loaded().final.lexer(source);
}

/**
 * The tokens as sanitized DOM. `final`: the blocks are finished (code highlighted, code blocks
 * get their action buttons); otherwise a cheap preview of a block still streaming.
 */
export function renderTokens(tokens: Token[], final: boolean): DocumentFragment {
  const html = (final ? loaded().final : loaded().draft).parser(tokens);
  const fragment = sanitizeToFragment(html);
  decorateCodeBlocks(fragment, final);
  return fragment;
}

/** A whole markdown text at once (a finished answer). */
export function renderMarkdown(source: string): DocumentFragment {
  return renderTokens(lexMarkdown(source), true);
}
