/**
 * Request bodies, read the strict way: the declared media type matched exactly, UTF-8 only, no
 * content encodings (no gzip to inflate, so no inflation bomb and no half-gzip), a size cap
 * checked before and while reading, and an aborted upload told apart from a bad one.
 */
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { ServiceError } from "../errors.ts";

/**
 * `application/json` or `application/json; charset=utf-8` (any case, quoted or not) passes;
 * `application/jsonx`, other parameters and other charsets do not.
 */
export function checkMediaType(header: string | undefined, expected: string): void {
  const [type = "", ...params] = (header ?? "").split(";").map((p) => p.trim());
  if (type.toLowerCase() !== expected) throw new ServiceError("unsupported_media_type", `send ${expected}`);
  for (const param of params) {
    const m = /^([A-Za-z0-9_-]+)=("?)([^"]*)\2$/.exec(param);
    if (!m || m[1]!.toLowerCase() !== "charset")
      throw new ServiceError("unsupported_media_type", `send ${expected} with no parameter but charset=utf-8`);
    if (m[3]!.toLowerCase() !== "utf-8") throw new ServiceError("unsupported_charset", "send the body in UTF-8");
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads the whole body as UTF-8 text, at most `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (encoding !== "identity")
    throw new ServiceError("unsupported_content_encoding", "send the body unencoded (no Content-Encoding)");
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new ServiceError("payload_too_large", `body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const done = (e?: ServiceError): void => {
      req.off("data", onData).off("end", onEnd).off("close", onClose).off("error", onClose);
      if (e) reject(e);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) done(new ServiceError("payload_too_large", `body larger than ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => done();
    const onClose = (): void => done(new ServiceError("request_aborted", "the client stopped sending the body"));
    req.on("data", onData).once("end", onEnd).once("close", onClose).once("error", onClose);
  });
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new ServiceError("malformed_json", "the body is not valid UTF-8");
  }
}

type AnyZod = z.ZodType;

/**
 * The same schema with every object in it strict (unknown fields refused), through optional,
 * nullable, default, array and union wrappers; records and scalars are left as they are.
 * Routes get strict request schemas without each one having to remember it.
 */
export function strictSchema<T extends AnyZod>(schema: T): T {
  return strictNode(schema) as T;
}

function strictNode(schema: AnyZod): AnyZod {
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(schema.shape as Record<string, AnyZod>).map(([k, v]) => [k, strictNode(v)]),
    );
    return schema.clone({ ...schema._zod.def, shape, catchall: z.never() });
  }
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodReadonly
  ) {
    return schema.clone({ ...schema._zod.def, innerType: strictNode(schema._zod.def.innerType as AnyZod) } as never);
  }
  if (schema instanceof z.ZodArray)
    return schema.clone({ ...schema._zod.def, element: strictNode(schema._zod.def.element as AnyZod) });
  if (schema instanceof z.ZodUnion)
    return schema.clone({
      ...schema._zod.def,
      options: (schema._zod.def.options as AnyZod[]).map(strictNode),
    } as never);
  return schema;
}
