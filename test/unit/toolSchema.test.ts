// Tool schemas as node-llama-cpp's grammar can enforce them. VS Code's tools and MCP servers send
// JSON schemas with keywords the grammar does not know; each is converted, then handed to
// node-llama-cpp itself (a grammar is built from it, a valid call's arguments are parsed with it,
// and the function is documented for the model), as the worker does with the offered tools.
import * as assert from "node:assert/strict";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { leaveOutUnset, toGrammarSchema } from "../../src/engine/llamaCpp/toolSchema";

/** A tool's schema as its author wrote it, and arguments a model could rightly call it with. */
interface ToolCase {
  readonly name: string;
  readonly schema: object;
  readonly call: Record<string, unknown>;
}

// Shapes taken from VS Code's built-in and Copilot's agent tools and from common MCP servers.
const TOOLS: readonly ToolCase[] = [
  {
    name: "read_file (plain strings and numbers, all required)",
    schema: {
      type: "object",
      properties: {
        filePath: { type: "string", description: "The absolute path of the file to read." },
        startLine: { type: "number", description: "The line number to start reading from, 1-based." },
        endLine: { type: "number", description: "The inclusive line number to end reading at, 1-based." },
      },
      required: ["filePath", "startLine", "endLine"],
    },
    call: { filePath: "/work/src/main.ts", startLine: 1, endLine: 40 },
  },
  {
    name: "get_errors (an array of strings)",
    schema: {
      type: "object",
      properties: { filePaths: { type: "array", items: { type: "string" }, description: "The absolute paths to the files to check for errors." } },
      required: ["filePaths"],
    },
    call: { filePaths: ["/work/src/a.ts", "/work/src/b.ts"] },
  },
  {
    name: "manage_todo_list (an enum, nested objects in an array, integers with ranges)",
    schema: {
      type: "object",
      properties: {
        operation: { type: "string", enum: ["write", "read"] },
        todoList: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "integer", minimum: 1 },
              title: { type: "string", minLength: 1, maxLength: 80, pattern: "^\\S" },
              status: { type: "string", enum: ["not-started", "in-progress", "completed"] },
            },
            required: ["id", "title", "status"],
            additionalProperties: false,
          },
        },
      },
      required: ["operation"],
    },
    call: { operation: "write", todoList: [{ id: 1, title: "Write the tests", status: "in-progress" }] },
  },
  {
    name: "an MCP tool with anyOf null, type lists and defaults",
    schema: {
      type: "object",
      properties: {
        query: { type: "string" },
        path: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Path" },
        limit: { type: ["integer", "null"], default: 10 },
      },
      required: ["query"],
      title: "searchArguments",
    },
    call: { query: "TODO", path: null, limit: 5 },
  },
  {
    name: "a pydantic-made MCP tool with $defs and $ref",
    schema: {
      $defs: {
        Position: { type: "object", properties: { line: { type: "integer" }, character: { type: "integer" } }, required: ["line", "character"] },
        Range: { type: "object", properties: { start: { $ref: "#/$defs/Position" }, end: { $ref: "#/$defs/Position" } }, required: ["start", "end"] },
      },
      type: "object",
      properties: { uri: { type: "string", format: "uri" }, range: { $ref: "#/$defs/Range" } },
      required: ["uri", "range"],
    },
    call: { uri: "file:///work/src/main.ts", range: { start: { line: 1, character: 0 }, end: { line: 2, character: 4 } } },
  },
  {
    name: "a $ref into another document, allOf and not",
    schema: {
      type: "object",
      properties: {
        settings: { $ref: "https://json.schemastore.org/tsconfig#/definitions/compilerOptions" },
        merged: { allOf: [{ type: "object", properties: { a: { type: "string" } } }, { required: ["a"] }] },
        notNull: { not: { type: "null" } },
      },
      required: ["settings"],
    },
    call: { settings: { strict: true }, merged: { a: "x" }, notNull: "anything" },
  },
  {
    name: "formats the grammar knows and formats it does not",
    schema: {
      type: "object",
      properties: {
        when: { type: "string", format: "date-time" },
        day: { type: "string", format: "date" },
        email: { type: "string", format: "email" },
        url: { type: "string", format: "uri-reference" },
      },
      required: ["when", "email"],
    },
    call: { when: "2026-11-22T22:00:00Z", day: "2026-11-22", email: "a@b.c", url: "../x" },
  },
  {
    name: "run_in_terminal with an environment map (additionalProperties as a schema)",
    schema: {
      type: "object",
      properties: {
        command: { type: "string" },
        isBackground: { type: "boolean" },
        env: { type: "object", additionalProperties: { type: "string" } },
        options: { type: "object", properties: { cwd: { type: "string" } }, additionalProperties: true },
      },
      required: ["command", "isBackground"],
    },
    call: { command: "npm test", isBackground: false, env: { CI: "1" }, options: { cwd: "/work" } },
  },
  {
    name: "const, oneOf of objects, and an object with no properties",
    schema: {
      type: "object",
      properties: {
        kind: { const: "edit" },
        target: {
          oneOf: [
            { type: "object", properties: { file: { type: "string" } }, required: ["file"] },
            { type: "object", properties: { symbol: { type: "string" } }, required: ["symbol"] },
          ],
        },
        extra: { type: "object" },
      },
      required: ["kind", "target"],
    },
    call: { kind: "edit", target: { symbol: "main" }, extra: { any: ["thing"] } },
  },
  {
    name: "properties with no type, true as a schema, and an array with no items",
    schema: {
      type: "object",
      properties: { value: {}, flag: true, list: { type: "array" }, nested: { properties: { deep: { type: "number" } }, required: ["deep"] } },
      required: ["value", "list", "nested"],
    },
    call: { value: "anything", flag: 3, list: [{ a: 1 }], nested: { deep: 2 } },
  },
  {
    name: "an enum and a const whose values are objects or arrays (JSON schema allows any JSON value there)",
    schema: {
      type: "object",
      properties: {
        range: { type: "array", enum: [[0, 10], [10, 20]] },
        preset: { enum: [{ tabSize: 2 }, { tabSize: 4 }] },
        fixed: { const: { version: 1 } },
        mixed: { enum: ["none", { level: 1 }] },
      },
      required: ["range", "preset", "fixed", "mixed"],
    },
    call: { range: [0, 10], preset: { tabSize: 2 }, fixed: { version: 1 }, mixed: "none" },
  },
  {
    name: "type lists that name no type (an MCP server's careless schema)",
    schema: { type: "object", properties: { empty: { type: [] }, odd: { type: [1, 2] }, unknown: { type: ["file", "directory"] } }, required: ["empty", "odd", "unknown"] },
    call: { empty: "x", odd: 1, unknown: { path: "a" } },
  },
];

describe("llama.cpp tool schemas", () => {
  let library: typeof NodeLlamaCpp;
  let llama: NodeLlamaCpp.Llama;

  before(async () => {
    library = await import("node-llama-cpp");
    llama = await library.getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: library.LlamaLogLevel.error });
  });
  after(async () => {
    await llama?.dispose();
  });

  /** The converted schema as node-llama-cpp's own grammar (its JSON schema grammar, as function params use). */
  const grammarFor = (schema: object) => llama.createGrammarForJsonSchema(toGrammarSchema(schema) as never);

  for (const tool of TOOLS) {
    it(`converts ${tool.name} into a grammar node-llama-cpp builds, which accepts a rightful call`, async () => {
      const grammar = await grammarFor(tool.schema);
      assert.match(grammar.grammar, /root\s*::=/);
      assert.deepEqual(grammar.parse(JSON.stringify(tool.call)), tool.call);
    });
  }

  it("keeps every required property of a tool, with its type, in the converted schema", () => {
    for (const tool of TOOLS) {
      const original = tool.schema as { properties: Record<string, unknown>; required: string[] };
      const converted = toGrammarSchema(tool.schema) as { type: string; properties: Record<string, unknown>; required: string[] };
      assert.equal(converted.type, "object", tool.name);
      for (const key of original.required) {
        assert.ok(key in converted.properties, `${tool.name}: ${key}`);
        assert.ok(converted.required.includes(key), `${tool.name}: ${key} stays required`);
      }
      assert.deepEqual(Object.keys(converted.properties), Object.keys(original.properties), `${tool.name}: the model is told about every property`);
    }
  });

  it("still refuses arguments of the wrong type or outside an enum where the grammar can say so", async () => {
    const todo = await grammarFor(TOOLS[2].schema);
    assert.throws(() => todo.parse(JSON.stringify({ operation: "delete", todoList: [] })), library.LlamaJsonSchemaValidationError);
    const read = await grammarFor(TOOLS[0].schema);
    assert.throws(() => read.parse(JSON.stringify({ filePath: 3, startLine: 1, endLine: 2 })), library.LlamaJsonSchemaValidationError);
    assert.throws(() => read.parse(JSON.stringify({ startLine: 1, endLine: 2 })), library.LlamaJsonSchemaValidationError, "a required property left out");
  });

  it("lets a nullable property be null or its type, as anyOf and type lists say", async () => {
    const grammar = await grammarFor(TOOLS[3].schema);
    assert.doesNotThrow(() => grammar.parse(JSON.stringify({ query: "x", path: "src", limit: null })));
    assert.doesNotThrow(() => grammar.parse(JSON.stringify({ query: "x", path: null, limit: 3 })));
    assert.throws(() => grammar.parse(JSON.stringify({ query: "x", path: 3, limit: 3 })), library.LlamaJsonSchemaValidationError);
  });

  it("lets the model write an optional property as null, and leaves it out of the arguments the tool gets", async () => {
    // node-llama-cpp's grammar asks for every listed property; the optional path and limit of the MCP search tool may be null.
    const grammar = await grammarFor(TOOLS[3].schema);
    assert.throws(() => grammar.parse(JSON.stringify({ query: "x" })), /Missing keys: "path", "limit"/);
    const written = grammar.parse(JSON.stringify({ query: "x", path: null, limit: null }));
    assert.deepEqual(leaveOutUnset(written, TOOLS[3].schema), { query: "x" });
    assert.deepEqual(leaveOutUnset({ query: "x", path: "src", limit: 3 }, TOOLS[3].schema), { query: "x", path: "src", limit: 3 });
    // A required property is never nullable.
    assert.throws(() => grammar.parse(JSON.stringify({ query: null, path: null, limit: null })));
  });

  it("keeps the descriptions the model reads in the function's documentation", () => {
    const documentation = new library.ChatModelFunctionsDocumentationGenerator({
      read_file: { description: "Reads a file", params: toGrammarSchema(TOOLS[0].schema) },
    } as unknown as NodeLlamaCpp.ChatModelFunctions).getTypeScriptFunctionSignatures({ documentParams: true });
    assert.match(documentation, /read_file/);
    assert.match(documentation, /The absolute path of the file to read\./);
    assert.match(documentation, /filePath: string/);
  });

  it("turns a schema that is not an object, or nested too deeply, into any JSON value instead of failing", async () => {
    for (const schema of [null, "string", [1], 42]) {
      await grammarFor(schema as unknown as object);
    }
    let deep: object = { type: "string" };
    for (let level = 0; level < 40; level++) deep = { type: "object", properties: { next: deep }, required: ["next"] };
    const grammar = await grammarFor(deep);
    let call: unknown = "leaf";
    for (let level = 0; level < 40; level++) call = { next: call };
    assert.deepEqual(grammar.parse(JSON.stringify(call)), call);
  });
});
