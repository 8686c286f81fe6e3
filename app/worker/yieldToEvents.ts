/** Lets a worker's queued messages (such as stop() or cancel()) run between batches of a long job. */
const channel = new MessageChannel();

export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
