// Renders a streaming answer incrementally. The source is split in two at a block boundary:
//  - the committed part: complete top-level blocks, rendered once (code highlighted, buttons
//    added) and then frozen in the DOM;
//  - the tail: the block still growing (and the partial line after it). Only the tail is lexed
//    and rendered again when text arrives, so the work per chunk follows the tail's size, not
//    the answer's.
// A block is committed once a later block has started with a complete line: markdown decides
// where a block ends by looking at the next line (a list may continue after a blank line, "2"
// may become "2." …), and once that line is complete and starts a new block, nothing after it
// can change the blocks before it. A fenced code block is final as soon as its closing fence line
// is complete. (Known limit: a link reference definition arriving later does not resolve
// `[text][ref]` links in blocks already committed.)
// A tail that is only an open code fence (an answer that is one long code block) is not lexed
// again per chunk: its new lines are appended to the draft's text, until a line closes the fence.
import type { Token, TokensList } from "marked" with { "resolution-mode": "import" };
import { isElement } from "./dom";
import { lexMarkdown, renderTokens } from "./markdownRender";

export interface MarkdownStreamOptions {
  /** Lexes markdown into top-level tokens; replaceable so tests can watch what gets lexed. */
  readonly lex?: (source: string) => TokensList | Token[];
}

/**
 * The tail while it is only an open code fence. Its draft's code is a run of block-level pieces of
 * about PIECE_LENGTH characters, what arrives appended to the last: a browser lays out again only
 * the piece that changed, where one long text node would be laid out whole on every chunk.
 */
interface OpenFence {
  /** A complete line that closes the fence. */
  readonly closer: RegExp;
  /** The draft's `<code>`, holding the pieces. */
  readonly code: Element;
  /** The last piece's text: what arrives is appended to it. */
  piece: Text;
  /** Its length. */
  pieceLength: number;
  /** The line being received (the text after the tail's last line end). */
  line: string;
  /** How much of `line` the draft shows already. */
  lineShown: number;
  /** The line end after the last line shown is not shown (yet): marked leaves out the block's last one. */
  newlineHeld: boolean;
}

/** A fence's opening line (not indented, so its code lines are taken as they are). */
const FENCE_OPENING = /^(`{3,}|~{3,})[^\n]*\n/;
/** A line being received that may still become a closing fence: it is shown once it cannot. */
const MAY_CLOSE_FENCE = /^[ `~]*$/;
/** A new piece starts at the first line end after this many characters. */
const PIECE_LENGTH = 1024;
/** The class of a piece (messages.css makes it a block). */
const PIECE_CLASS = "code-piece";

/** The line that closes a fence opened by `run` ("```", "~~~~", …): as long or longer, nothing after it but spaces. */
function fenceCloser(run: string): RegExp {
  return new RegExp(`^ {0,3}${run[0]}{${run.length},} *$`);
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
  /** Set while the tail is only an open code fence, shown by appending to its draft. */
  private openFence: OpenFence | undefined;
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
    const added = this.addText(chunk);
    this.finished = false;
    if (this.openFence && this.extendOpenFence(this.openFence, added)) return;
    this.openFence = undefined;
    this.update(false);
  }

  /** The answer ended (with `rest`, text not yet received): renders the tail as finished blocks. */
  finish(rest = ""): void {
    this.openFence = undefined;
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
    this.openFence = undefined;
    this.container.replaceChildren();
  }

  /** Adds a chunk to the tail; returns what the tail grew by. */
  private addText(chunk: string): string {
    let text = (this.pendingReturn ? "\r" : "") + chunk;
    this.pendingReturn = text.endsWith("\r");
    if (this.pendingReturn) text = text.slice(0, -1);
    const added = normalizeLineEnds(text);
    this.tail += added;
    return added;
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
    const rest = tokens.slice(commitCount);
    this.replaceTail(final ? null : renderTokens(rest, false));
    if (!final && rest.length === 1) this.openFence = this.followOpenFence(rest[0]);
  }

  /**
   * When the tail is only an open fence (its opening line complete), takes over its draft: from
   * now on the code that arrives is appended to it as text, without lexing or rendering.
   */
  private followOpenFence(token: Token): OpenFence | undefined {
    const tail = this.tail;
    const opening = FENCE_OPENING.exec(tail);
    if (!opening || token.type !== "code" || token.raw !== tail) return undefined;
    const code = this.tailNodes.map((node) => (isElement(node) ? node.querySelector("pre > code") : null)).find(Boolean);
    if (!code) return undefined;
    const piece = codePiece(code.ownerDocument);
    const fence: OpenFence = { closer: fenceCloser(opening[1]), code, piece: piece.text, pieceLength: 0, line: "", lineShown: 0, newlineHeld: false };
    // Shows the code so far the way the appends will (the draft as rendered may differ slightly
    // at its end), or leaves it to the renderer if the fence turns out to be closed.
    const shown = this.openFenceText(fence, tail.slice(opening[0].length));
    if (!shown) return undefined;
    code.replaceChildren(piece.element);
    this.showInOpenFence(fence, shown);
    return fence;
  }

  /** Adds text to an open fence's draft; false, changing nothing, if a line of it closes the fence. */
  private extendOpenFence(fence: OpenFence, added: string): boolean {
    const shown = this.openFenceText(fence, added);
    if (shown) this.showInOpenFence(fence, shown);
    return shown !== undefined;
  }

  /**
   * What `added` adds to an open fence's draft: its complete lines, and the line being received
   * unless it may still become the closing fence; split where new pieces start. Undefined if a
   * line closes the fence. Updates the fence's line state (only when the fence stays open).
   */
  private openFenceText(fence: OpenFence, added: string): string[] | undefined {
    let { line, lineShown, newlineHeld, pieceLength } = fence;
    const pieces = [""];
    const show = (text: string): void => {
      if (newlineHeld) {
        pieces[pieces.length - 1] += "\n";
        if (++pieceLength >= PIECE_LENGTH) {
          pieces.push("");
          pieceLength = 0;
        }
      }
      pieces[pieces.length - 1] += text;
      pieceLength += text.length;
    };
    let start = 0;
    for (let end = added.indexOf("\n"); end >= 0; end = added.indexOf("\n", start)) {
      line += added.slice(start, end);
      if (fence.closer.test(line)) return undefined;
      show(line.slice(lineShown));
      newlineHeld = true;
      line = "";
      lineShown = 0;
      start = end + 1;
    }
    line += added.slice(start);
    if (line.length > lineShown && !MAY_CLOSE_FENCE.test(line)) {
      show(line.slice(lineShown));
      newlineHeld = false;
      lineShown = line.length;
    }
    Object.assign(fence, { line, lineShown, newlineHeld, pieceLength });
    return pieces;
  }

  /** Appends to the last piece of the draft, then adds the new pieces after it. */
  private showInOpenFence(fence: OpenFence, pieces: readonly string[]): void {
    if (pieces[0]) fence.piece.appendData(pieces[0]);
    for (const text of pieces.slice(1)) {
      const piece = codePiece(fence.code.ownerDocument, text);
      fence.code.append(piece.element);
      fence.piece = piece.text;
    }
  }

  private replaceTail(fragment: DocumentFragment | null): void {
    for (const node of this.tailNodes) node.remove();
    this.tailNodes = fragment ? Array.from(fragment.childNodes) : [];
    if (fragment) this.container.append(fragment);
  }
}

function codePiece(document: Document, text = ""): { readonly element: HTMLElement; readonly text: Text } {
  const element = document.createElement("span");
  element.className = PIECE_CLASS;
  const node = document.createTextNode(text);
  element.append(node);
  return { element, text: node };
}

/** marked reads "\r\n" and "\r" as line ends; normalizing first keeps token lengths equal to ours. */
export function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/**
 * How many leading tokens are final: all before the last block that starts a complete line, and
 * that block too if it is a fenced code block whose closing line is complete.
 * A `space` token (blank lines) decides nothing: the block before it may still continue.
 */
export function committableCount(tokens: readonly Token[], source: string): number {
  const lastLineEnd = source.lastIndexOf("\n");
  if (lastLineEnd < 0) return 0;
  let start = source.length;
  let index = tokens.length - 1;
  for (; index > 0; index--) {
    start -= tokens[index].raw.length;
    if (tokens[index].type !== "space" && start <= lastLineEnd) break;
  }
  if (index <= 0) {
    index = 0;
    start = 0;
  }
  return tokens[index] && isClosedFence(tokens[index], source, start) ? index + 1 : index;
}

/** Whether the token (at `start` in `source`) is a fenced code block closed by a complete line. */
function isClosedFence(token: Token, source: string, start: number): boolean {
  if (token.type !== "code" || token.codeBlockStyle === "indented") return false;
  const run = /^ {0,3}(`{3,}|~{3,})/.exec(token.raw)?.[1];
  const body = token.raw.replace(/\n+$/, "");
  const lastLine = body.lastIndexOf("\n");
  return run !== undefined && lastLine >= 0 && source[start + body.length] === "\n" && fenceCloser(run).test(body.slice(lastLine + 1));
}
