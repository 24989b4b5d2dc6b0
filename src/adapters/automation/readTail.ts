/**
 * Reads a stream to its end, keeping at most the last `maxBytes` bytes, and decodes them as UTF-8.
 * Only the tail matters (the result line is last) and a bound keeps a chatty runbook from costing memory.
 * @param stream - the response body
 * @param maxBytes - bytes to keep from the end
 */
export async function readTail(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
    const chunks: Buffer[] = [];
    let kept = 0;
    for await (const chunk of stream) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
        chunks.push(buffer);
        kept += buffer.length;
        while (kept - (chunks[0]?.length ?? 0) >= maxBytes && chunks.length > 1) {
            kept -= chunks.shift()?.length ?? 0;
        }
    }
    const all = Buffer.concat(chunks);
    const tail = all.length > maxBytes ? all.subarray(all.length - maxBytes) : all;
    return tail.toString('utf8');
}
