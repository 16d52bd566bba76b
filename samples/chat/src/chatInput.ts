import { HttpError } from '@sluice/core';

/**
 * Error codes of the chat's own 400 answers (the JSON error body's `code`). The
 * shape of requests (a JSON object with string `name` and `text`, one `name` in
 * the query) is checked before, by the routes' schemas (see `ChatEvents.ts`).
 */
export const ChatErrorCodes = {
  InvalidName: 'CHAT_INVALID_NAME',
  InvalidText: 'CHAT_INVALID_TEXT',
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

/** A `Last-Event-ID` as a message id; undefined when absent or not one of ours (then the client is treated as new). */
export function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
