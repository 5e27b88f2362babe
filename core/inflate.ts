import { Gunzip, Inflate, Unzlib } from "fflate";

/** Thrown when the output would pass the cap, whatever the input claims about itself. */
export class InflateLimitError extends Error {}

/**
 * Inflates GZIP, ZLIB (RFC 1950) or raw DEFLATE data, stopping as soon as the output passes `maxBytes`: a
 * decompression bomb is cut after at most one input piece's worth of output.
 * Other malformed input throws fflate's own error.
 */
export function inflateCapped(data: Uint8Array, maxBytes: number, format: "gzip" | "zlib" | { dictionary?: Uint8Array }): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const onChunk = (chunk: Uint8Array): void => {
    total += chunk.length;
    if (total > maxBytes) throw new InflateLimitError(`inflates past ${maxBytes} bytes`);
    chunks.push(chunk);
  };
  const stream = format === "gzip" ? new Gunzip(onChunk) : format === "zlib" ? new Unzlib(onChunk) : new Inflate(format, onChunk);
  for (let i = 0; i < data.length || i === 0; i += 1024) stream.push(data.subarray(i, i + 1024), i + 1024 >= data.length);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
