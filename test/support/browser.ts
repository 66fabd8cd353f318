// Debian's Chromium driven by playwright-core, with the flags that keep it off the network.
import { chromium, type Browser } from "playwright-core";
import { testTools } from "./testTools";

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: testTools().chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
