import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the Anthropic Messages API on 127.0.0.1, enough for the real Claude Code CLI to run a
 * scripted conversation: the test decides every model reply, the CLI runs the tools for real.
 */

export type Block =
  | { type: 'text'; text: string }
  /** `id` defaults to a unique `toolu_fake_…`; the CLI echoes it back in the tool_result. */
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** An HTTP error instead of a message, e.g. `{ error: { status: 429, retryAfterSeconds: 0 } }`. */
export interface HttpFailure {
  error: {
    status: number;
    /** The API's error type; derived from the status when left out (429 rate_limit_error, 529 overloaded_error, …). */
    type?: string;
    message?: string;
    /** Sent as the `retry-after` header, which the CLI honours before retrying. */
    retryAfterSeconds?: number;
    headers?: Record<string, string>;
  };
}

/**
 * The model's reply to one request. The stop reason follows from the blocks: `tool_use` when any
 * block is a tool call, else `end_turn`. Usage, when not given, is estimated from the sizes.
 */
export type Reply = Block[] | { blocks: Block[]; usage?: Partial<Usage> } | HttpFailure;

export interface MessageParam {
  role: string;
  content: string | Array<{ type: string; [key: string]: unknown }>;
}

export interface MessagesBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: string | Array<{ type: string; text?: string }>;
  messages: MessageParam[];
  tools?: Array<{ name?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** One request of the main conversation, as the script sees it. */
export interface ConversationRequest {
  body: MessagesBody;
  headers: IncomingHttpHeaders;
  /**
   * 1 + the assistant messages already in the conversation: a retry of a failed request keeps
   * its turn. A subagent's conversation (the Task tool) starts again at 1.
   */
  turn: number;
  /**
   * 1 for the first request of this turn, 2 for the next, … Besides retries of a 429/5xx, the CLI
   * answers a 400 by re-sending the turn up to 5 times (fewer beta headers, then all tools
   * loaded at once) before it gives up.
   */
  attempt: number;
}

export type RequestKind =
  /** POST /v1/messages with tools: the agent's conversation, answered by the script. */
  | 'conversation'
  /** POST /v1/messages without tools: the CLI's own small queries (titles, summaries, quota checks). */
  | 'side'
  | 'count_tokens'
  /** Any other endpoint: answered with `{}` and logged. */
  | 'other';

export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. `/v1/messages` for `/v1/messages?beta=true`. */
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  kind: RequestKind;
  /** For conversation requests. */
  turn?: number;
  attempt?: number;
  /** The status answered; undefined until the answer is sent. */
  status?: number;
}

export interface FakeAnthropicOptions {
  script: (request: ConversationRequest, turn: number) => Reply | Promise<Reply>;
  /** The text answering a side request; default "OK". */
  sideReply?: (body: MessagesBody) => string;
  /**
   * Whether a messages request is the agent's conversation rather than a side query. Default:
   * it offers tools. Claude Code's side queries (title, summary, quota check with max_tokens 1)
   * send none; a conversation run with every tool disabled would need its own rule.
   */
  isConversation?: (body: MessagesBody) => boolean;
  /** Where unknown endpoints and script failures are reported; default stderr. */
  log?: (line: string) => void;
}

export interface FakeAnthropic {
  /** The base URL, for ANTHROPIC_BASE_URL. */
  url: string;
  /** Every request in arrival order. */
  requests: RecordedRequest[];
  /** The requests answered by the script. */
  conversation(): RecordedRequest[];
  /**
   * Script failures (a throw, or no reply), each answered with a 400: the CLI's run then ends
   * with exit code 1 and a result line with `is_error: true` (its subtype still says "success").
   */
  errors: Error[];
  /** Resolves with the first request, past or future, that matches. */
  waitForRequest(match: (r: RecordedRequest) => boolean): Promise<RecordedRequest>;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export async function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeAnthropic> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[fake-anthropic] ${line}\n`));
  const isConversation = options.isConversation ?? ((b: MessagesBody) => Array.isArray(b.tools) && b.tools.length > 0);
  const requests: RecordedRequest[] = [];
  const errors: Error[] = [];
  const waiters: Array<{ match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }> = [];
  let ids = 0;

  const record = (r: RecordedRequest): void => {
    requests.push(r);
    for (const w of [...waiters]) {
      if (!w.match(r)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(r);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? url;
    const body = parseJson(text);
    const entry: RecordedRequest = { method: req.method ?? 'GET', path, url, headers: req.headers, body, kind: 'other' };

    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      entry.kind = 'count_tokens';
      record(entry);
      return sendJson(res, entry, 200, { input_tokens: estimateTokens(text) });
    }
    if (req.method === 'POST' && path === '/v1/messages' && isMessagesBody(body)) {
      if (!isConversation(body)) {
        entry.kind = 'side';
        record(entry);
        return sendMessage(res, entry, body, [{ type: 'text', text: options.sideReply?.(body) ?? 'OK' }], undefined, ++ids);
      }
      const turn = 1 + body.messages.filter((m) => m.role === 'assistant').length;
      const attempt = 1 + requests.filter((r) => r.kind === 'conversation' && r.turn === turn).length;
      Object.assign(entry, { kind: 'conversation', turn, attempt });
      record(entry);
      let reply: Reply;
      try {
        reply = await options.script({ body, headers: req.headers, turn, attempt }, turn);
        if (!reply) throw new Error('the script returned no reply');
      } catch (err) {
        const failure = new Error(`script failed on turn ${turn} (attempt ${attempt}): ${(err as Error).message}`, { cause: err });
        errors.push(failure);
        log(failure.message);
        return sendError(res, entry, { status: 400, message: `fake-anthropic: ${failure.message}` });
      }
      if ('error' in reply) return sendError(res, entry, reply.error);
      const blocks = Array.isArray(reply) ? reply : reply.blocks;
      const usage = Array.isArray(reply) ? undefined : reply.usage;
      return sendMessage(res, entry, body, blocks, usage, ++ids);
    }
    record(entry);
    log(`unknown request ${entry.method} ${url}${text ? ` ${text.slice(0, 200)}` : ''}`);
    return sendJson(res, entry, 200, {});
  };

  const server = createServer((req, res) => {
    // A CLI killed mid-answer must not take the test process down with an unhandled error.
    res.on('error', (err) => log(`answering ${req.method} ${req.url}: ${err.message}`));
    handle(req, res).catch((err: Error) => {
      log(`failed answering ${req.method} ${req.url}: ${err.stack ?? err.message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    errors,
    conversation: () => requests.filter((r) => r.kind === 'conversation'),
    waitForRequest: (match) =>
      new Promise((resolve) => {
        const seen = requests.find(match);
        if (seen) resolve(seen);
        else waiters.push({ match, resolve });
      }),
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      // The CLI keeps its connections alive; a killed CLI may leave one mid-stream.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The tool_result blocks of the request's last user message: what the tools just returned. */
export function toolResults(body: MessagesBody): Array<{ type: string; tool_use_id?: string; content?: unknown; is_error?: boolean }> {
  const last = [...body.messages].reverse().find((m) => m.role === 'user');
  if (!last || typeof last.content === 'string') return [];
  return last.content.filter((b) => b.type === 'tool_result');
}

type SentBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function sendMessage(
  res: ServerResponse,
  entry: RecordedRequest,
  body: MessagesBody,
  blocks: Block[],
  usageOverride: Partial<Usage> | undefined,
  n: number,
): void {
  const content = blocks.map(
    (b, i): SentBlock => (b.type === 'text' ? { type: 'text', text: b.text } : { type: 'tool_use', id: b.id ?? `toolu_fake_${n}_${i}`, name: b.name, input: b.input }),
  );
  const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const usage: Usage = {
    input_tokens: estimateTokens(JSON.stringify(body.messages)),
    output_tokens: Math.max(1, estimateTokens(JSON.stringify(content))),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...usageOverride,
  };
  const message = { id: `msg_fake_${n}`, type: 'message', role: 'assistant', model: body.model, content, stop_sequence: null };

  if (!body.stream) {
    sendJson(res, entry, 200, { ...message, stop_reason: stopReason, usage });
    return;
  }
  entry.status = 200;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': `req_fake_${n}` });
  const event = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  // As the real API: the start carries the input usage, the delta the final output count.
  event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  event('ping', {});
  content.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      // More than one delta, so the client's accumulation is exercised as with a real stream.
      for (const piece of pieces(block.text)) event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    } else {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      for (const piece of pieces(JSON.stringify(block.input))) {
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    }
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  event('message_stop', {});
  res.end();
}

function sendError(res: ServerResponse, entry: RecordedRequest, error: HttpFailure['error']): void {
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  const type = error.type ?? ERROR_TYPES[error.status] ?? 'api_error';
  sendJson(res, entry, error.status, { type: 'error', error: { type, message: error.message ?? `fake ${type}` } }, headers);
}

function sendJson(res: ServerResponse, entry: RecordedRequest, status: number, value: unknown, headers: Record<string, string> = {}): void {
  entry.status = status;
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function pieces(text: string): string[] {
  if (text.length < 2) return [text];
  const half = Math.ceil(text.length / 2);
  return [text.slice(0, half), text.slice(half)];
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isMessagesBody(body: unknown): body is MessagesBody {
  return typeof body === 'object' && body !== null && Array.isArray((body as { messages?: unknown }).messages);
}
