// A tool's JSON schema as node-llama-cpp's grammar can enforce it. Tools come from anywhere (VS
// Code's built-in tools, MCP servers) with schemas that use keywords the grammar does not know
// ($ref into other documents, allOf, patterns, numeric ranges); those parts are loosened to what
// the grammar can say rather than refused, so every offered tool can be called. The caller still
// validates the arguments it gets.
type Schema = Record<string, unknown>;

const PLAIN_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);

/** Any JSON value, as near as the grammar can say it (an empty schema would mean null to it). */
const ANY_VALUE: Schema = {
  oneOf: [{ type: ["string", "number", "boolean", "null"] }, { type: "object", additionalProperties: true }, { type: "array", items: { type: "object", additionalProperties: true } }],
};

export function toGrammarSchema(schema: unknown, depth = 0): Schema {
  if (!isObject(schema) || depth > 12) return ANY_VALUE;
  const described = typeof schema.description === "string" ? { description: schema.description } : {};
  // The grammar writes only strings, numbers, booleans and null literally; an object or array value is loosened to its type.
  if ("const" in schema && isLiteral(schema.const)) return { const: schema.const, ...described };
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every(isLiteral)) return { enum: schema.enum, ...described };
  const alternatives = (Array.isArray(schema.oneOf) && schema.oneOf) || (Array.isArray(schema.anyOf) && schema.anyOf);
  if (alternatives && alternatives.length > 0) return { oneOf: alternatives.map((item) => toGrammarSchema(item, depth + 1)), ...described };
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type): type is string => typeof type === "string");
    if (types.length === 0) return toGrammarSchema({ ...schema, type: undefined }, depth); // an empty oneOf would admit no value
    if (types.length === 1) return toGrammarSchema({ ...schema, type: types[0] }, depth);
    return { oneOf: types.map((type) => toGrammarSchema({ ...schema, type }, depth + 1)), ...described };
  }
  const type = typeof schema.type === "string" ? schema.type : isObject(schema.properties) ? "object" : undefined;
  if (type === "object") {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const keys = Object.keys(properties);
    if (keys.length === 0) return { type: "object", additionalProperties: true, ...described };
    // node-llama-cpp's grammar asks for every listed property; an optional one may be written as
    // null, which leaveOutUnset() then removes, so the tool never sees a value nobody asked for.
    const required = requiredKeys(schema, keys);
    return {
      type: "object",
      properties: Object.fromEntries(
        keys.map((key) => {
          const converted = toGrammarSchema(properties[key], depth + 1);
          return [key, required.includes(key) ? converted : { oneOf: [converted, { type: "null" }] }];
        }),
      ),
      required: keys,
      ...described,
    };
  }
  if (type === "array") return { type: "array", items: toGrammarSchema(schema.items, depth + 1), ...described };
  if (type && PLAIN_TYPES.has(type)) return { type, ...described };
  return ANY_VALUE;
}

/**
 * The arguments as the tool's author meant them: optional properties the model wrote as null
 * (see toGrammarSchema) are left out, in nested objects too.
 */
export function leaveOutUnset(value: unknown, schema: unknown, depth = 0): unknown {
  if (!isObject(value) || !isObject(schema) || !isObject(schema.properties) || depth > 12) return value;
  const properties = schema.properties;
  const required = requiredKeys(schema, Object.keys(properties));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, item]) => !(item === null && key in properties && !required.includes(key)))
      .map(([key, item]) => [key, leaveOutUnset(item, properties[key], depth + 1)]),
  );
}

function requiredKeys(schema: Schema, keys: readonly string[]): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === "string" && keys.includes(key)) : [];
}

function isLiteral(value: unknown): boolean {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function isObject(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
