import { inject, injectable } from 'inversify';
import { HttpError, RouteGet, RoutePost, type HttpRequest, type HttpResponse } from '@sluice/core';
import { MessageBoard, type ListenerEvents, type Message } from './MessageBoard.js';

const maxLength = 500;

/** The board's routes; the board itself comes from the DI container. */
@injectable()
export class MessagesController {
  constructor(@inject(MessageBoard) private readonly board: MessageBoard) {}

  /**
   * A listener's stream: a `welcome` event, the messages it missed, then every
   * new message until it goes away. `curl -N http://127.0.0.1:3000/sse`
   */
  @RouteGet('/sse')
  async listen(req: HttpRequest): Promise<HttpResponse> {
    const sse = req.getEventSource<ListenerEvents>(MessageBoard.listenerIdentifier(req.id));
    // A comment line every 15 s keeps proxies from closing a quiet stream, and notices dead clients.
    sse.withPing((ping) => ping.start());
    sse.send('Welcome to __APP_NAME__', { event: 'welcome' });
    // A browser reconnecting after a drop sends the id of the last message it got (Last-Event-ID).
    for (const message of this.board.since(sse.lastEventId)) sse.send(message, { id: message.id });
    await sse.keepAlive(); // resolves when the client goes away or the app stops
    return sse.close();
  }

  /** Sends a message to every listener. `curl http://127.0.0.1:3000/messages -d 'Hello!'` */
  @RoutePost('/messages')
  async post(req: HttpRequest): Promise<{ message: Message; listeners: number }> {
    const text = (await req.text()).trim();
    if (text.length === 0 || text.length > maxLength) throw new HttpError(400, `A message is 1 to ${maxLength} characters of text`);
    return this.board.post(text);
  }
}
