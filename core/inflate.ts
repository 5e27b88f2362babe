import { Gunzip, Inflate, Unzlib } from "fflate";

/** Thrown when the output would pass the cap, whatever the input claims about itself. */
export class InflateLimitError extends Error {}

/**
 * Inflates GZIP, ZLIB (RFC 1950) or raw DEFLATE data, stopping as soon as the output passes `maxBytes`: a
 * decompression bomb is cut after at most one input piece's worth of output.
 * Other malformed input throws fflate's own error.
 */
export function inflateCapped(data: Uint8Array, maxBytes: number, format: "gzip" | "zlib" | { dictionary?: Uint8Array }): Uint8Array {
  const out = inflateStream(data, maxBytes, format);
  if (typeof format === "object" && data.length > 0 && endsBeforeLastByte(data, out, maxBytes, format)) {
    throw new TrailingDataError("bytes follow the end of the DEFLATE stream");
  }
  return out;
}

/** Thrown for raw DEFLATE data with bytes after the stream's end (several texts would carry one payload). */
export class TrailingDataError extends Error {}

/**
 * Whether the stream ended before the last byte: then the same data without it inflates to the
 * same output. Without trailing bytes the last byte holds the end-of-block code's bits, and
 * dropping it leaves the stream unfinished (fflate throws) or shorter. One more inflation of a
 * QR-sized input: cheap, and no DEFLATE parser of our own.
 */
function endsBeforeLastByte(data: Uint8Array, out: Uint8Array, maxBytes: number, format: { dictionary?: Uint8Array }): boolean {
  let shorter: Uint8Array;
  try {
    shorter = inflateStream(data.subarray(0, data.length - 1), maxBytes, format);
  } catch {
    return false;
  }
  return shorter.length === out.length && shorter.every((b, i) => b === out[i]);
}

function inflateStream(data: Uint8Array, maxBytes: number, format: "gzip" | "zlib" | { dictionary?: Uint8Array }): Uint8Array {
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
