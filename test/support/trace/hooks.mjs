import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MHM_TRACE_FILE, `resolved ${result.url}\n`);
  return result;
}
