// A file's path written as a comment in that file's own language ("// src/a.ts", "# tools/b.py"),
// the header a model without repository tokens gets ahead of another file's code: it reads as an
// ordinary comment in code, as DeepSeek-Coder's repository-level examples lay files out.

const LINE_COMMENTS: ReadonlyArray<[prefix: string, extensions: readonly string[]]> = [
  ["#", ["py", "pyi", "rb", "sh", "bash", "zsh", "fish", "ps1", "pl", "pm", "r", "jl", "yaml", "yml", "toml", "ini", "cfg", "conf", "mk", "cmake", "nim", "ex", "exs", "tf", "dockerfile", "makefile", "gitignore"]],
  ["--", ["sql", "lua", "hs", "elm", "ada", "adb", "ads", "vhd", "vhdl"]],
  [";", ["clj", "cljs", "edn", "lisp", "el", "scm", "rkt", "asm", "s"]],
  ["%", ["erl", "hrl", "tex", "m"]],
  ["'", ["vb", "vbs", "bas"]],
];

const BLOCK_COMMENTS: ReadonlyArray<[open: string, close: string, extensions: readonly string[]]> = [
  ["<!--", "-->", ["html", "htm", "xml", "xhtml", "svg", "vue", "svelte", "md", "markdown", "xaml", "csproj"]],
  ["/*", "*/", ["css", "scss", "less", "json", "jsonc"]],
];

/** `path` as a one-line comment in the language its extension says; `//` when the extension is unknown. */
export function commentHeader(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? path;
  const extension = (name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : name).toLowerCase();
  for (const [prefix, extensions] of LINE_COMMENTS) {
    if (extensions.includes(extension)) return `${prefix} ${path}`;
  }
  for (const [open, close, extensions] of BLOCK_COMMENTS) {
    if (extensions.includes(extension)) return `${open} ${path} ${close}`;
  }
  return `// ${path}`;
}
