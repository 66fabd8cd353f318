// The chat view's page: a strict Content-Security-Policy (nothing but our own stylesheet and the
// one script carrying this page's nonce), and no content of its own: the script renders it.

export interface ChatViewResources {
  /** The webview's cspSource. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** A fresh random value per page (crypto), base64. */
  readonly nonce: string;
}

export function chatViewHtml({ cspSource, scriptUri, styleUri, nonce }: ChatViewResources): string {
  // form-action and base-uri do not fall back to default-src: said outright.
  const csp = [`default-src 'none'`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`, `form-action 'none'`, `base-uri 'none'`].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link href="${styleUri}" rel="stylesheet">
  <title>Hearth Chat</title>
</head>
<body>
  <div id="app"><p class="muted">Starting Hearth's chat…</p></div>
  <script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
