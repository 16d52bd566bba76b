import { inject, injectable } from 'inversify';
import { HttpResponse, RouteGet, RoutePost, RoutePrefix, type HttpRequest } from '@sluice/core';
import '@sluice/sse';
import type { ChatEvents } from './ChatEvents.js';
import { parseMessageBody, parseNameQuery, requireJsonContentType } from './chatInput.js';
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
   * A bad name is refused with 400 before any stream is opened.
   */
  @RouteGet('/events')
  async events(req: HttpRequest): Promise<HttpResponse> {
    const name = parseNameQuery(req.query, this.settings.maxNameLength);
    const sse = req.getEventSource<ChatEvents>(memberIdentifier(name));
    await this.chat.run(sse);
    return sse.close();
  }

  /** `POST /chat/messages` with `{"name": "ada", "text": "hi"}`: 201 with the stored message (its `id` included). */
  @RoutePost('/messages')
  async post(req: HttpRequest): Promise<HttpResponse> {
    requireJsonContentType(req.header('content-type'));
    const { name, text } = parseMessageBody(await req.json(), this.settings);
    return HttpResponse.json(this.chat.post(name, text), 201);
  }
}
