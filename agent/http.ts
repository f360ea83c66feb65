/**
 * Small HTTP helpers shared by the two outbound clients (Kubernetes and the Master).
 *
 * @module
 */

/** Reads at most `limit` characters of a body and releases the rest: error pages do not belong in a log line. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, limit);
}
