// Steps a user takes in the workbench that several UI suites share.
import type { Locator, Page } from "playwright-core";

/**
 * Opens a workspace file with Quick Open (Ctrl+P), puts the cursor on a new line at its end and
 * returns the editor. `firstText` is text the file shows once it is open.
 */
export async function openFileAtNewLastLine(page: Page, fileName: string, firstText: string): Promise<Locator> {
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input").fill(fileName);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: fileName }).first().waitFor();
  await page.keyboard.press("Enter");
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.locator(".view-lines").filter({ hasText: firstText }).waitFor();
  await editor.locator(".view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  return editor;
}
