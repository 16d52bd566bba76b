import { z } from 'zod';
import type { EventsOf } from '@sluice/core';

/** A chat message as stored, broadcast and returned by `POST /chat/messages`. */
export const ChatMessageSchema = z
  .object({
    /** 1, 2, 3...: also the SSE `id:` of the event carrying it, hence the browser's `Last-Event-ID`. */
    id: z.number().int().positive(),
    name: z.string(),
    text: z.string(),
    /** When the server accepted it (ISO 8601). */
    at: z.iso.datetime(),
  })
  .describe('A chat message, as stored and broadcast.');
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Someone joined or left, with the member list as the registry has it right after. */
export const PresenceChangeSchema = z.object({ name: z.string(), members: z.array(z.string()) });
export type PresenceChange = z.infer<typeof PresenceChangeSchema>;

/**
 * The events of a chat stream (`GET /chat/events`), by SSE event type: the
 * schemas document the stream (its OpenAPI `itemSchema`) and type it
 * (`getEventSource<ChatEvents>`). Only `message` events carry an `id:`, so the
 * others never move a client's `Last-Event-ID`.
 */
export const chatEvents = {
  /** A chat message (the default event type: `onmessage` in a browser). */
  message: ChatMessageSchema,
  /** The current members, first thing on every connection. */
  presence: z.object({ members: z.array(z.string()) }),
  join: PresenceChangeSchema,
  leave: PresenceChangeSchema,
  /** The client was away so long that `missed` messages fell out of the history. */
  gap: z.object({ missed: z.number().int().positive() }),
  /** The name was opened on another connection, which took over: stop reconnecting. */
  replaced: z.object({ reason: z.string() }),
};
export type ChatEvents = EventsOf<typeof chatEvents>;

/**
 * `POST /chat/messages`: the body's shape. The chat's own rules (lengths from
 * `ChatSettings`, the name's alphabet, NFC) are checked after it by `chatInput.ts`.
 */
export const postMessageSchema = {
  body: z.object({ name: z.string(), text: z.string() }),
  response: { 201: ChatMessageSchema },
};

/** `GET /chat/events?name=ada`: one `name`, a string (given twice it is an array, and refused). */
export const eventsQuerySchema = {
  query: z.object({ name: z.string() }),
};
