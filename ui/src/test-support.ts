import { ResultsApi } from './api/client.js';

type Handler = (path: string, init?: RequestInit) => { status?: number; body: unknown } | undefined;

/**
 * A ResultsApi over answers a test gives, for component tests in jsdom (the end-to-end test runs
 * the real control plane). Records every request.
 */
export function apiAnswering(handler: Handler): { api: ResultsApi; requests: string[] } {
  const requests: string[] = [];
  const api = new ResultsApi(async (input, init) => {
    const path = input.replace(/^\/api/, '');
    requests.push(`${init?.method ?? 'GET'} ${path}`);
    const answer = handler(path, init);
    if (!answer) return new Response(JSON.stringify({ error: 'no such thing' }), { status: 404 });
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status ?? 200 });
  });
  return { api, requests };
}

export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
