import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** What `nodeRequest` got back: the raw (possibly compressed) body bytes. */
export interface NodeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One request with `node:http` as the client, over a real socket with no agent
 * (no pooled keep-alive socket outlives the test). Unlike `fetch`, it neither
 * decodes `Content-Encoding` nor filters any request header (Origin, Access-Control-*).
 */
export function nodeRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<NodeResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
