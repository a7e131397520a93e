/**
 * The public JSON Schema of a zod schema (`z.toJSONSchema`), the only view of a schema the docs and the
 * secret discovery read: zod's internals (`_zod.def`) change between versions, this does not. Value types
 * that are more than a JSON type carry `x-type` (duration, byte size, cron, matcher, secret).
 */
import { z } from 'zod';

/** The JSON Schema keyword naming a value type the docs show (`duration`, `cron`, `byte size`, `secret`). */
export const TYPE_KEYWORD = 'x-type';

/** The JSON Schema keyword of an object whose keys are ids of one kind (the docs show its fields once). */
export const KEYS_KEYWORD = 'x-keys';

/** The part of JSON Schema the docs read. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
  default?: unknown;
  description?: string;
  [TYPE_KEYWORD]?: string;
  [KEYS_KEYWORD]?: string;
}

/** The JSON Schema of what a user writes (`io: 'input'`: keys, types and defaults as written). */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
}

/** A type for people: `duration`, `list of URL`, `map of name to secret`, `` `warning` \| `critical` ``. */
export function typeName(s: JsonSchema): string {
  if (s[TYPE_KEYWORD]) return s[TYPE_KEYWORD];
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeName).join(' or ');
  switch (s.type) {
    case 'array': return `list of ${s.items ? typeName(s.items) : 'values'}`;
    case 'object': {
      // A map is an object of free keys; an object with named fields (loose or not) is an object.
      const values = s.additionalProperties;
      if (s.properties || typeof values !== 'object') return 'object';
      return values.type || values[TYPE_KEYWORD] ? `map of name to ${typeName(values)}` : 'map';
    }
    case 'string': return s.format === 'uri' ? 'URL' : 'string';
    default: return s.type ?? 'any';
  }
}
