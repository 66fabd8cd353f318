import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A fresh folder under the system's temp folder; `remove()` deletes it and all in it. */
export async function temporaryDirectory(prefix = "hearth-test-"): Promise<{ path: string; remove(): Promise<void> }> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: directory, remove: () => fs.rm(directory, { recursive: true, force: true }) };
}
