import { Agent, request } from 'node:http';
import { runConcurrently } from './summary.js';

export interface SyncRequest {
  token: string;
  body: Buffer;
}

/** Concurrent keep-alive clients, each POSTing one prepared body after another. */
export class SyncClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, concurrency: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    this.url = new URL('/api/v1/data/sync', baseUrl);
  }

  /** Sends every request once; returns latencies and the statuses other than 200. */
  async run(requests: readonly SyncRequest[], concurrency: number) {
    const failures = new Map<string, number>();
    const timing = await runConcurrently(requests.length, concurrency, async (index) => {
      const outcome = await this.post(requests[index] as SyncRequest);
      if (outcome !== '200') failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
    });
    return { ...timing, failures };
  }

  /** The status code as text, or the error's code when there was no answer. */
  post({ token, body }: SyncRequest): Promise<string> {
    return new Promise((resolve) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            'Content-Length': body.length,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'response_error'));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'request_error'));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
