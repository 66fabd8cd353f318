// Renders a streaming answer incrementally. The source is split in two at a block boundary:
//  - the committed part: complete top-level blocks, rendered once (code highlighted, buttons
//    added) and then frozen in the DOM;
//  - the tail: the block still growing (and the partial line after it). Only the tail is lexed
//    and rendered again when text arrives, so the work per chunk follows the tail's size, not
//    the answer's.
// A block is committed once a later block has started with a complete line: markdown decides
// where a block ends by looking at the next line (a list may continue after a blank line, "2"
// may become "2." …), and once that line is complete and starts a new block, nothing after it
// can change the blocks before it. (Known limit: a link reference definition arriving later does
// not resolve `[text][ref]` links in blocks already committed.)
import type { Token, TokensList } from "marked" with { "resolution-mode": "import" };
import { lexMarkdown, renderTokens } from "./markdownRender";

export interface MarkdownStreamOptions {
  /** Lexes markdown into top-level tokens; replaceable so tests can watch what gets lexed. */
  readonly lex?: (source: string) => TokensList | Token[];
}

export class MarkdownStream {
  /** The source rendered into frozen DOM (only appended to, never read while streaming). */
  private committed = "";
  /** The source after it: lexed and rendered again on every update. */
  private tail = "";
  /** The DOM nodes showing the tail; replaced on every update. */
  private tailNodes: ChildNode[] = [];
  /** A "\r" that ended the last chunk: it may be the first half of "\r\n". */
  private pendingReturn = false;
  private finished = false;
  private readonly lex: (source: string) => TokensList | Token[];

  constructor(
    readonly container: HTMLElement,
    options: MarkdownStreamOptions = {},
  ) {
    this.lex = options.lex ?? lexMarkdown;
  }

  /** All the text received so far. */
  get text(): string {
    return this.committed + this.tail + (this.pendingReturn ? "\n" : "");
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** More text of a streaming answer. */
  append(chunk: string): void {
    if (!chunk) return;
    this.addText(chunk);
    this.finished = false;
    this.update(false);
  }

  /** The answer ended (with `rest`, text not yet received): renders the tail as finished blocks. */
  finish(rest = ""): void {
    this.addText(rest);
    if (this.pendingReturn) {
      this.tail += "\n";
      this.pendingReturn = false;
    }
    this.update(true);
    this.finished = true;
  }

  /** Shows another text from scratch (the host's full text disagrees with what streamed). */
  reset(): void {
    this.committed = "";
    this.tail = "";
    this.tailNodes = [];
    this.pendingReturn = false;
    this.finished = false;
    this.container.replaceChildren();
  }

  private addText(chunk: string): void {
    let text = (this.pendingReturn ? "\r" : "") + chunk;
    this.pendingReturn = text.endsWith("\r");
    if (this.pendingReturn) text = text.slice(0, -1);
    this.tail += normalizeLineEnds(text);
  }

  private update(final: boolean): void {
    const tail = this.tail;
    const tokens = tail ? this.lex(tail) : [];
    const commitCount = final ? tokens.length : committableCount(tokens, tail);
    const committed = tokens.slice(0, commitCount);
    const committedSource = committed.map((token) => token.raw).join("");
    if (!tail.startsWith(committedSource)) {
      // Token lengths do not add up to the text (not seen with marked 18): render it all as tail
      // rather than freeze something wrong.
      this.replaceTail(renderTokens(tokens, final));
      return;
    }
    if (committed.length) {
      const fragment = renderTokens(committed, true);
      const anchor = this.tailNodes[0] ?? null;
      this.container.insertBefore(fragment, anchor && anchor.parentNode === this.container ? anchor : null);
      this.committed += committedSource;
      this.tail = tail.slice(committedSource.length);
    }
    this.replaceTail(final ? null : renderTokens(tokens.slice(commitCount), false));
  }

  private replaceTail(fragment: DocumentFragment | null): void {
    for (const node of this.tailNodes) node.remove();
    this.tailNodes = fragment ? Array.from(fragment.childNodes) : [];
    if (fragment) this.container.append(fragment);
  }
}

/** marked reads "\r\n" and "\r" as line ends; normalizing first keeps token lengths equal to ours. */
export function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/**
 * How many leading tokens are final: all before the last block that starts a complete line.
 * A `space` token (blank lines) decides nothing: the block before it may still continue.
 */
export function committableCount(tokens: readonly Token[], source: string): number {
  const lastLineEnd = source.lastIndexOf("\n");
  if (lastLineEnd < 0) return 0;
  let start = source.length;
  for (let index = tokens.length - 1; index > 0; index--) {
    start -= tokens[index].raw.length;
    if (tokens[index].type !== "space" && start <= lastLineEnd) return index;
  }
  return 0;
}
