import { Gunzip, inflateSync, Unzlib } from "fflate";

/** Thrown when the output would pass the cap, whatever the input claims about itself. */
export class InflateLimitError extends Error {}

/**
 * Inflates GZIP, ZLIB (RFC 1950) or raw DEFLATE data, stopping as soon as the output passes `maxBytes`: a
 * decompression bomb is cut after at most one input piece's worth of output.
 * Other malformed input throws fflate's own error.
 */
export function inflateCapped(
  data: Uint8Array,
  maxBytes: number,
  format: "gzip" | "zlib" | { dictionary?: Uint8Array },
): Uint8Array {
  if (typeof format !== "object") return inflateStream(data, maxBytes, format);
  const out = inflateRaw(data, maxBytes, format);
  if (endsBeforeLastByte(data, out, maxBytes, format))
    throw new TrailingDataError("bytes follow the end of the DEFLATE stream");
  if (format.dictionary && !referencesDictionary(data, maxBytes))
    throw new DictionaryUnusedError("compressed without the dictionary");
  return out;
}

/**
 * Raw DEFLATE (the QR texts, a checkpoint's hot path), in one pass into one buffer of the cap
 * plus a byte: fflate's streaming inflater grows its output 128 KiB at a time, which cost more
 * than the signature checks. fflate does not grow a buffer it is given and drops what would
 * pass its end, so an output that fills the buffer passed the cap; the work stays bounded by
 * the input (capped by the caller) times DEFLATE's largest ratio. The buffer is one scratch
 * buffer, reused (a fresh, zeroed 32 KiB twice per verification showed as garbage-collection
 * time in a checkpoint under load); DEFLATE reads back only what this inflation wrote, so what
 * an earlier one left there is never read. The result is a copy of the part written.
 */
function inflateRaw(data: Uint8Array, maxBytes: number, format: { dictionary?: Uint8Array }): Uint8Array {
  // fflate hands back a given buffer whole for empty input: refuse it before.
  if (data.length === 0) throw new Error("no DEFLATE data");
  if (scratch.length < maxBytes + 1) scratch = new Uint8Array(maxBytes + 1);
  const out = inflateSync(data, {
    out: scratch.subarray(0, maxBytes + 1),
    ...(format.dictionary ? { dictionary: format.dictionary } : {}),
  });
  if (out.length > maxBytes) throw new InflateLimitError(`inflates past ${maxBytes} bytes`);
  return out.slice();
}

let scratch = new Uint8Array(0);

/** Thrown for raw DEFLATE data with bytes after the stream's end (several texts would carry one payload). */
export class TrailingDataError extends Error {}

/** Thrown for raw DEFLATE data that never refers to the dictionary it is read with (a second encoding of the same bytes). */
export class DictionaryUnusedError extends Error {}

/** Runs `f` with V8's stack traces off: errors expected every time then cost nothing (other engines ignore the limit). */
function quietly<T>(f: () => T): T {
  const errors = Error as { stackTraceLimit?: number };
  const limit = errors.stackTraceLimit;
  errors.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    errors.stackTraceLimit = limit;
  }
}

/**
 * Whether the stream refers back into its dictionary (issue 22 item 13): the same bytes
 * compressed without it (plain raw DEFLATE) inflate identically with it, so a QR form read
 * against a dictionary would have two encodings of one payload. Without the dictionary, a
 * reference before the start of the output is an error, and the packers' output makes one within
 * its first bytes (every form starts with header JSON its dictionary holds): cheap, ~2 µs against
 * ~40 µs for the expansion. Not a full canonical form (re-compressing to compare cost ~1,000 times
 * the expansion with fflate), but it refuses every encoding made without the dictionary.
 */
function referencesDictionary(data: Uint8Array, maxBytes: number): boolean {
  return quietly(() => {
    try {
      inflateRaw(data, maxBytes, {});
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Whether the stream ended before the last byte: then the same data without it inflates to the
 * same output. Without trailing bytes the last byte holds the end-of-block code's bits, and
 * dropping it leaves the stream unfinished (fflate throws) or shorter. One more inflation of a
 * QR-sized input: cheap, and no DEFLATE parser of our own.
 */
function endsBeforeLastByte(
  data: Uint8Array,
  out: Uint8Array,
  maxBytes: number,
  format: { dictionary?: Uint8Array },
): boolean {
  if (data.length < 2) return false;
  // For valid input this inflation fails, every time: quietly, the error costs nothing.
  const shorter = quietly(() => {
    try {
      return inflateRaw(data.subarray(0, data.length - 1), maxBytes, format);
    } catch {
      return undefined;
    }
  });
  return shorter !== undefined && shorter.length === out.length && shorter.every((b, i) => b === out[i]);
}

function inflateStream(data: Uint8Array, maxBytes: number, format: "gzip" | "zlib"): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const onChunk = (chunk: Uint8Array): void => {
    total += chunk.length;
    if (total > maxBytes) throw new InflateLimitError(`inflates past ${maxBytes} bytes`);
    chunks.push(chunk);
  };
  const stream = format === "gzip" ? new Gunzip(onChunk) : new Unzlib(onChunk);
  for (let i = 0; i < data.length || i === 0; i += 1024)
    stream.push(data.subarray(i, i + 1024), i + 1024 >= data.length);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
