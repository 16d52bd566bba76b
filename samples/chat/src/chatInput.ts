import { HttpError } from '@sluice/core';

/** Error codes of the chat's 400/415 answers (the JSON error body's `code`). */
export const ChatErrorCodes = {
  InvalidName: 'CHAT_INVALID_NAME',
  InvalidText: 'CHAT_INVALID_TEXT',
  InvalidBody: 'CHAT_INVALID_BODY',
  NotJson: 'CHAT_NOT_JSON',
} as const;

/** Words of letters, digits, marks, `.`, `_` or `-`, with single spaces between them. */
const namePattern = /^[\p{L}\p{M}\p{N}._-]+(?: [\p{L}\p{M}\p{N}._-]+)*$/u;
/** C0 controls and DEL, except tab and line feed (CR is folded into LF first). */
const textControls = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Length in characters (code points), so an emoji counts once. */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Checks a member name (from the query or the body) and returns it in NFC, so
 * that one name always maps to one identifier. Throws 400 saying what is wrong.
 */
export function parseName(value: unknown, maxLength: number): string {
  const invalid = (why: string): HttpError => new HttpError(400, why, { code: ChatErrorCodes.InvalidName });
  if (value === undefined || value === null) throw invalid('name is required');
  if (typeof value !== 'string') throw invalid('name must be a string');
  if (/[\r\n]/.test(value)) throw invalid('name must not contain line breaks (CR or LF)');
  const name = value.normalize('NFC');
  if (name.trim() === '') throw invalid('name must not be empty');
  const length = characters(name);
  if (length > maxLength) throw invalid(`name must be at most ${maxLength} characters (got ${length})`);
  if (!namePattern.test(name)) throw invalid("name may contain letters, digits, '.', '_' and '-', with single spaces between words");
  return name;
}

/** The `name` query parameter of `GET /chat/events`, checked as {@link parseName} does; given twice is a 400 too. */
export function parseNameQuery(query: URLSearchParams, maxLength: number): string {
  const names = query.getAll('name');
  if (names.length > 1) throw new HttpError(400, 'name must be given once', { code: ChatErrorCodes.InvalidName });
  return parseName(names[0], maxLength);
}

/** Checks a message text; returns it with line breaks as LF and the ends trimmed. Throws 400. */
export function parseText(value: unknown, maxLength: number): string {
  const invalid = (why: string): HttpError => new HttpError(400, why, { code: ChatErrorCodes.InvalidText });
  if (value === undefined || value === null) throw invalid('text is required');
  if (typeof value !== 'string') throw invalid('text must be a string');
  const text = value.replace(/\r\n?/g, '\n').trim();
  if (text === '') throw invalid('text must not be empty');
  const length = characters(text);
  if (length > maxLength) throw invalid(`text must be at most ${maxLength} characters (got ${length})`);
  if (textControls.test(text)) throw invalid('text must not contain control characters (other than tab and line feed)');
  return text;
}

/** The body of `POST /chat/messages`: a JSON object `{ name, text }`. Throws 400 on anything else. */
export function parseMessageBody(
  body: unknown,
  settings: { maxNameLength: number; maxTextLength: number },
): { name: string; text: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'The body must be a JSON object: {"name": "...", "text": "..."}', { code: ChatErrorCodes.InvalidBody });
  }
  const { name, text } = body as Record<string, unknown>;
  return { name: parseName(name, settings.maxNameLength), text: parseText(text, settings.maxTextLength) };
}

/** Requires `Content-Type: application/json` (so a cross-site form cannot post without a CORS preflight). Throws 415. */
export function requireJsonContentType(contentType: string | undefined): void {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, `Send the message as JSON with Content-Type: application/json (got ${contentType ?? 'no Content-Type'})`, {
      code: ChatErrorCodes.NotJson,
    });
  }
}

/** A `Last-Event-ID` as a message id; undefined when absent or not one of ours (then the client is treated as new). */
export function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
