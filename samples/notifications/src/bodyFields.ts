import { HttpError, type HttpRequest } from '@sluice/core';
import { NotificationErrorCodes } from './errorCodes.js';
import { idRule, isGroup, isUserId } from './identifiers.js';

/** Checks a string field: returns what is wrong with it (after its name), or undefined when it is fine. */
export type FieldCheck = (value: string) => string | undefined;

/** Longest notification text, in UTF-16 code units. */
export const maxTextLength = 1_000;

export const checkText: FieldCheck = (value) => {
  if (value.trim() === '') return 'must not be empty';
  if (value.length > maxTextLength) return `must be at most ${maxTextLength} characters`;
  return undefined;
};

export const checkUserId: FieldCheck = (value) => (isUserId(value) ? undefined : `must be ${idRule}`);

export const checkGroup: FieldCheck = (value) => (isGroup(value) ? undefined : `must be ${idRule}`);

/**
 * Reads the JSON body as an object holding exactly the fields of `checks`, each a string that passes
 * its check, and returns them. Anything else answers 400 with a message naming every problem, e.g.
 * `Invalid body: userId is required; text must be a string`. A body that is not JSON at all gets the
 * framework's own 400 (`SLUICE_BODY_INVALID_JSON`).
 */
export async function readJsonFields<K extends string>(req: HttpRequest, checks: Record<K, FieldCheck>): Promise<Record<K, string>> {
  const body = await req.json();
  const expected = Object.keys(checks) as K[];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`The body must be a JSON object with the fields ${expected.join(', ')}`);
  }
  const fields = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of expected) {
    const value = fields[name];
    if (value === undefined) problems.push(`${name} is required`);
    else if (typeof value !== 'string') problems.push(`${name} must be a string`);
    else {
      const problem = checks[name](value);
      if (problem !== undefined) problems.push(`${name} ${problem}`);
    }
  }
  const unknown = Object.keys(fields).filter((name) => !(expected as string[]).includes(name));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((name) => JSON.stringify(name.slice(0, 40)));
    problems.push(`unknown field${unknown.length === 1 ? '' : 's'} ${shown.join(', ')}${unknown.length > 5 ? ', ...' : ''}`);
  }
  if (problems.length > 0) throw invalid(`Invalid body: ${problems.join('; ')}`);
  return fields as Record<K, string>;
}

function invalid(message: string): HttpError {
  return new HttpError(400, message, { code: NotificationErrorCodes.InvalidBody });
}
