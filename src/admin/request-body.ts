import { HttpError } from './http-errors.js';

/**
 * The request's body as a JSON object. Refuses, with typed errors the API answers as 400 or 413:
 * a body over `maxBytes`, one that is not JSON, one that is not an object, and (with `known`) a
 * field not in `known`.
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
  known?: readonly string[],
): Promise<Record<string, unknown>> {
  const text = await readText(request, maxBytes);
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (cause) {
    throw new HttpError(
      400,
      'ERR_INVALID_JSON',
      `Request body is not valid JSON: ${(cause as Error).message}`,
      'body',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'Request body must be a JSON object', 'body');
  }
  const body = value as Record<string, unknown>;
  if (known !== undefined) assertKnownFields(body, known, '');
  return body;
}

/** Throws a 400 naming the first field of `object` that is not in `known` (`prefix` for nested ones). */
export function assertKnownFields(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw new HttpError(
        400,
        'ERR_UNKNOWN_FIELD',
        `Unknown field "${prefix}${key}"; known fields are: ${known.join(', ')}`,
        `${prefix}${key}`,
      );
    }
  }
}

async function readText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new HttpError(413, 'ERR_BODY_TOO_LARGE', `Request body is larger than ${maxBytes} bytes`, 'body');
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (request.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
