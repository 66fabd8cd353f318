// Network failures as a person reads them.

/** "connection refused", "no answer in time", … from the errors fetch throws (the code may sit a few causes deep). */
export function describeNetworkError(error: unknown): string {
  const codes: string[] = [];
  for (let cause: unknown = error; cause instanceof Object && codes.length < 5; cause = (cause as { cause?: unknown }).cause) {
    const { code, name, message } = cause as { code?: string; name?: string; message?: string };
    codes.push(code ?? "", name ?? "", message ?? "");
  }
  const seen = (pattern: RegExp) => codes.some((text) => pattern.test(text));
  if (seen(/ECONNREFUSED/)) return "connection refused";
  if (seen(/ENOTFOUND|EAI_AGAIN/)) return "host not found";
  if (seen(/ECONNRESET/)) return "connection reset";
  if (seen(/TimeoutError|timed? ?out/i)) return "no answer in time";
  if (seen(/^bad port$/)) return "fetch refuses to use that port; choose another";
  return (error as Error)?.message ?? String(error);
}
