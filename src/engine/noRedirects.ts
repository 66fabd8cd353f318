// Requests to a model server never follow redirects: the user approved one address, and code
// (and an API key) go there and nowhere else. fetch would follow a 307/308 with the request body
// to any origin (it drops only the Authorization header), so a redirect is refused with a message
// that names the new address and the setting to point at it.
import { BackendError } from "./backendError";

/** fetch, refusing redirects: a 3xx answer fails with a message instead of being followed. */
export async function fetchWithoutRedirects(input: string | URL | Request, init: RequestInit | undefined, setting: string): Promise<Response> {
  const response = await fetch(input, { ...init, redirect: "manual" });
  if (response.status < 300 || response.status > 399) return response;
  const from = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const to = response.headers.get("location");
  throw new BackendError(
    "badResponse",
    `${new URL(from).origin} answered with a redirect${to ? ` to ${new URL(to, from).origin}` : ""} (${response.status}). Hearth does not follow redirects, so your code goes only to the address you set: if the server has moved, set ${setting} to its new address.`,
    "",
    setting,
  );
}
