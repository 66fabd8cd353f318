// Where the hub is and where it serves a file's bytes. The endpoint is a setting
// (`hearth.huggingFace.endpoint`) so a mirror, or a test's loopback hub, can stand in for huggingface.co.
export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

export function hubEndpoint(endpoint: string | undefined): string {
  return (endpoint?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, "");
}

/** The hub URL that serves a file's bytes (it redirects to a CDN). */
export function resolveUrl(endpoint: string | undefined, repo: string, revision: string, filePath: string): string {
  const encode = (value: string) => value.split("/").map(encodeURIComponent).join("/");
  return `${hubEndpoint(endpoint)}/${encode(repo)}/resolve/${encodeURIComponent(revision)}/${encode(filePath)}`;
}
