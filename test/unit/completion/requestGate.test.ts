import * as assert from "node:assert/strict";
import { gateRequest, type GateInput } from "../../../src/completion/pipeline/requestGate";

/** The line with the cursor as "|". */
function at(line: string, extra: Partial<GateInput> = {}): GateInput {
  const character = line.indexOf("|");
  return { lineText: line.replace("|", ""), character, hasSelection: false, ...extra };
}

describe("request gate", () => {
  it("lets ordinary positions through", () => {
    for (const line of ["const x = |", "foo(|)", "  |", "|", "return a +| b", "x = [1, 2|]", 'print("|")']) {
      assert.deepEqual(gateRequest(at(line)), { request: true }, line);
    }
  });

  it("skips mid-word, when a word character is right of the cursor", () => {
    assert.deepEqual(gateRequest(at("const na|me = 1")), { request: false, reason: "midWord" });
    assert.deepEqual(gateRequest(at("  |return x")), { request: false, reason: "midWord" });
    assert.deepEqual(gateRequest(at("größe|nordnung")), { request: false, reason: "midWord" });
    assert.equal(gateRequest(at("name|.length")).request, true, "a dot is no word character");
  });

  it("skips selections, long minified lines and binary text", () => {
    assert.deepEqual(gateRequest(at("const x = |", { hasSelection: true })), { request: false, reason: "selection" });
    assert.deepEqual(gateRequest(at(`var a=1;${"b=2;".repeat(300)}|`)), { request: false, reason: "longLine" });
    assert.deepEqual(gateRequest(at("\u0000\u0001ELF|")), { request: false, reason: "binary" });
  });
});
