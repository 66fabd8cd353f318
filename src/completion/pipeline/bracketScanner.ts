// A character-at-a-time scanner that tells brackets in code from brackets in strings and comments,
// approximately and cheaply (no parser): strings end at their quote or at the end of the line,
// comments are the language's line comment and C's block comment. Used to work out which brackets
// the completion may close (opened before the cursor and not closed after it) and, fed the
// completion as it streams, to stop before a closing bracket that would unbalance the code.

export type Opener = "(" | "[" | "{";
export type Closer = ")" | "]" | "}";

const OPENER_OF: Readonly<Record<Closer, Opener>> = { ")": "(", "]": "[", "}": "{" };

export function isCloser(char: string): char is Closer {
  return char === ")" || char === "]" || char === "}";
}

export function opens(opener: Opener, closer: Closer): boolean {
  return OPENER_OF[closer] === opener;
}

interface Syntax {
  readonly lineComment: readonly string[];
  readonly blockComment: boolean;
  readonly quotes: string;
}

const HASH_COMMENTS = new Set([
  "python", "ruby", "shellscript", "perl", "r", "yaml", "toml", "dockerfile", "makefile", "powershell",
  "elixir", "julia", "coffeescript", "nim", "cmake", "properties", "graphql",
]);
const DASH_COMMENTS = new Set(["sql", "lua", "haskell", "elm", "ada"]);
/** Prose: an apostrophe is no string and nothing is a comment. */
const PROSE = new Set(["plaintext", "markdown", "latex", "tex", "restructuredtext", "asciidoc"]);

function syntaxOf(languageId: string): Syntax {
  if (PROSE.has(languageId)) return { lineComment: [], blockComment: false, quotes: "" };
  if (HASH_COMMENTS.has(languageId)) return { lineComment: ["#"], blockComment: false, quotes: "\"'`" };
  if (DASH_COMMENTS.has(languageId)) return { lineComment: ["--"], blockComment: languageId === "sql", quotes: "\"'`" };
  // Rust's lifetimes ('a) and Lisp-like quoting would read as unterminated strings.
  if (languageId === "rust") return { lineComment: ["//"], blockComment: true, quotes: "\"" };
  return { lineComment: ["//"], blockComment: true, quotes: "\"'`" };
}

/** What a character was, as far as brackets are concerned. */
export type ScanEvent = "open" | "close" | "endString" | undefined;

export class CodeScanner {
  private readonly syntax: Syntax;
  private state: "code" | "lineComment" | "blockComment" | "string";
  private quote = "";
  private escaped = false;
  private previous = "";

  /** `inString`: the quote of a string literal the scan starts inside (the cursor is in one). */
  constructor(languageId: string, inString?: string) {
    this.syntax = syntaxOf(languageId);
    this.state = inString ? "string" : "code";
    this.quote = inString ?? "";
  }

  /** The quote of the string literal the scan is inside, if any. */
  get openString(): string | undefined {
    return this.state === "string" ? this.quote : undefined;
  }

  feed(char: string): ScanEvent {
    const previous = this.previous;
    this.previous = char;
    if (char === "\n") {
      // Unterminated strings and line comments end with the line; block comments go on.
      if (this.state !== "blockComment") this.state = "code";
      return undefined;
    }
    switch (this.state) {
      case "lineComment":
        return undefined;
      case "blockComment":
        if (previous === "*" && char === "/") {
          this.state = "code";
          this.previous = ""; // so "*/*" does not reopen
        }
        return undefined;
      case "string":
        if (this.escaped) this.escaped = false;
        else if (char === "\\") this.escaped = true;
        else if (char === this.quote) {
          this.state = "code";
          return "endString";
        }
        return undefined;
      case "code":
        return this.feedCode(char, previous);
    }
  }

  private feedCode(char: string, previous: string): ScanEvent {
    if (this.syntax.quotes.includes(char)) {
      this.state = "string";
      this.quote = char;
      this.escaped = false;
      return undefined;
    }
    for (const marker of this.syntax.lineComment) {
      if (char === marker[marker.length - 1] && (marker.length === 1 || previous === marker[0])) {
        this.state = "lineComment";
        return undefined;
      }
    }
    if (this.syntax.blockComment && previous === "/" && char === "*") {
      this.state = "blockComment";
      this.previous = ""; // so "/*/" does not close at once
      return undefined;
    }
    if (char === "(" || char === "[" || char === "{") return "open";
    return isCloser(char) ? "close" : undefined;
  }
}

/** Brackets opened in `text` and still open at its end, innermost last; and the open string, if any. */
export function scanOpeners(text: string, languageId: string): { openers: Opener[]; openString: string | undefined } {
  const scanner = new CodeScanner(languageId);
  const openers: Opener[] = [];
  for (const char of text) {
    const event = scanner.feed(char);
    if (event === "open") openers.push(char as Opener);
    else if (event === "close" && openers.length > 0 && opens(openers[openers.length - 1], char as Closer)) openers.pop();
  }
  return { openers, openString: scanner.openString };
}

/**
 * Closing brackets in `text` with no opening bracket before them in `text`, in order: the
 * suffix's closers of brackets opened before the cursor. Also whether a string the cursor is in
 * (`inString`) ends in `text`.
 */
export function scanUnmatchedClosers(text: string, languageId: string, inString?: string): { closers: Closer[]; closesString: boolean } {
  const scanner = new CodeScanner(languageId, inString);
  const depth: Opener[] = [];
  const closers: Closer[] = [];
  let closesString = false;
  let stringPending = inString !== undefined;
  for (const char of text) {
    if (stringPending && char === "\n") stringPending = false;
    const event = scanner.feed(char);
    if (event === "endString" && stringPending) {
      closesString = true;
      stringPending = false;
    } else if (event === "open") depth.push(char as Opener);
    else if (event === "close") {
      if (depth.length > 0) depth.pop();
      else closers.push(char as Closer);
    }
  }
  return { closers, closesString };
}

/** How much text either side of the cursor the bracket scan reads: enough for a function, cheap. */
export const BRACKET_SCAN_CHARS = 4000;

export interface Closable {
  /** Brackets opened before the cursor that the suffix does not close, innermost last. */
  readonly openers: readonly Opener[];
  /** The quote of the string literal the cursor is inside, if any. */
  readonly openString: string | undefined;
  /** Whether that string is closed right of the cursor on its line. */
  readonly stringClosedInSuffix: boolean;
}

/** What the completion may close: what the prefix opened and the suffix leaves open. */
export function closableAtCursor(prefix: string, suffix: string, languageId: string): Closable {
  let tail = prefix.slice(-BRACKET_SCAN_CHARS);
  // Start at a line boundary so a cut string or comment does not derail the scan.
  if (tail.length < prefix.length) tail = tail.slice(tail.indexOf("\n") + 1);
  const before = scanOpeners(tail, languageId);
  const after = scanUnmatchedClosers(suffix.slice(0, BRACKET_SCAN_CHARS), languageId, before.openString);
  const openers = [...before.openers];
  for (const closer of after.closers) {
    // A closer that does not match is code mid-edit: stop trusting the pairing there.
    if (openers.length === 0 || !opens(openers[openers.length - 1], closer)) break;
    openers.pop();
  }
  return { openers, openString: before.openString, stringClosedInSuffix: after.closesString };
}
