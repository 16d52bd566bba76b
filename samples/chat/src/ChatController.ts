import { inject, injectable } from 'inversify';
import { HttpResponse, RouteGet, RoutePost, RoutePrefix, type ValidatedRequest } from '@sluice/core';
import '@sluice/sse';
import { chatEvents, eventsQuerySchema, postMessageSchema } from './ChatEvents.js';
import { parseName, parseText } from './chatInput.js';
import { ChatService } from './ChatService.js';
import { ChatSettings } from './ChatSettings.js';
import { memberIdentifier } from './memberIdentity.js';

/** The chat's HTTP side: one event stream per member, and a route to post messages. */
@RoutePrefix('/chat')
@injectable()
export class ChatController {
  constructor(
    @inject(ChatService) private readonly chat: ChatService,
    @inject(ChatSettings) private readonly settings: ChatSettings,
  ) {}

  /**
   * `GET /chat/events?name=ada`: the member's stream, identified as `chat-ada`.
   * A missing or bad name is refused with 400 before any stream is opened.
   */
  @RouteGet('/events', {
    schema: eventsQuerySchema,
    events: chatEvents,
    summary: "A member's event stream: messages, presence, joins and leaves",
  })
  async events(req: ValidatedRequest<typeof eventsQuerySchema, typeof chatEvents>): Promise<HttpResponse> {
    const name = parseName(req.valid.query.name, this.settings.maxNameLength);
    const sse = req.getEventSource(memberIdentifier(name)); // typed by chatEvents: HttpRequestEventSource<ChatEvents>
    await this.chat.run(sse);
    return sse.close();
  }

  /** `POST /chat/messages` with `{"name": "ada", "text": "hi"}`: 201 with the stored message (its `id` included). */
  @RoutePost('/messages', { schema: postMessageSchema, summary: 'Post a message to everyone in the room' })
  post(req: ValidatedRequest<typeof postMessageSchema>): HttpResponse {
    const { name, text } = req.valid.body;
    const message = this.chat.post(parseName(name, this.settings.maxNameLength), parseText(text, this.settings.maxTextLength));
    return HttpResponse.json(message, 201);
  }
}
