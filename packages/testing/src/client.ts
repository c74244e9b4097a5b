import { createChorusClient, type ChorusClient, type ChorusClientOptions } from '@chorus/client';
import WebSocket from 'ws';

/** The real typed client, as a Node frontend or script would use it. */
export function createTestClient(url: string, options: Partial<ChorusClientOptions> = {}): ChorusClient {
  return createChorusClient({ url, WebSocket, ...options });
}
