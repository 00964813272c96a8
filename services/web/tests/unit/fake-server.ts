/** A scripted stand-in for the auth/chat HTTP API: records requests, answers from handlers. */
import type { FetchLike } from "@/lib/api";

export interface Recorded {
  method: string;
  path: string;
  headers: Headers;
  body: string | null;
}

type Handler = (request: Recorded) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function sseStream(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

export class FakeServer {
  readonly requests: Recorded[] = [];
  private readonly routes: Array<{ method: string; path: string | RegExp; handler: Handler }> = [];

  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  calls(method: string, path: string): Recorded[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  fetch: FetchLike = async (input, init = {}) => {
    const url = new URL(input, "http://parley.test");
    const request: Recorded = {
      method: (init.method ?? "GET").toUpperCase(),
      path: url.pathname + url.search,
      headers: new Headers(init.headers),
      body: init.body == null ? null : String(init.body),
    };
    this.requests.push(request);
    const route = this.routes.find(
      (r) =>
        r.method === request.method &&
        (typeof r.path === "string" ? r.path === url.pathname : r.path.test(url.pathname)),
    );
    if (!route) return json(404, { detail: "Not Found" });
    return route.handler(request);
  };
}
