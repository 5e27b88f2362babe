import { createServer, type Server } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { type KeySigner } from "../../core/index.ts";

const send = (res: import("node:http").ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

const sameToken = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The other side of `httpSigner`: serves named keys at `/keys/<name>` (GET: algorithm and
 * public key; POST { input }: the signature). What `laissez signer serve` runs, standing in for
 * an HSM's network interface in tests and demos: the keys live in its process, not in the
 * service that asks for signatures. A bearer token, when set, is required on every request.
 */
export function createSignerServer(keys: Readonly<Record<string, KeySigner>>, o: { token?: string } = {}): Server {
  return createServer((req, res) => {
    if (o.token && !sameToken(req.headers.authorization ?? "", `Bearer ${o.token}`)) return send(res, 401, { error: { code: "unauthorized" } });
    const name = /^\/keys\/([A-Za-z0-9_-]{1,64})$/.exec(req.url ?? "")?.[1];
    const key = name !== undefined && Object.hasOwn(keys, name) ? keys[name] : undefined;
    if (!key) return send(res, 404, { error: { code: "not_found" } });
    if (req.method === "GET") return send(res, 200, { alg: key.alg, publicKey: `0x${Buffer.from(key.publicKey).toString("hex")}` });
    if (req.method !== "POST") return send(res, 405, { error: { code: "invalid_request" } });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      let input: Uint8Array;
      try {
        const hex = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { input?: unknown }).input;
        if (typeof hex !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(hex)) throw new Error("input");
        input = Buffer.from(hex.slice(2), "hex");
        if (key.alg === "ES256K" && input.length !== 32) throw new Error("digest");
      } catch {
        return send(res, 400, { error: { code: "invalid_request", message: "expected { input: 0x-hex } (a 32-byte digest for ES256K)" } });
      }
      key.sign(input).then(
        (signature) => send(res, 200, { signature: `0x${Buffer.from(signature).toString("hex")}` }),
        () => send(res, 500, { error: { code: "internal" } }),
      );
    });
  });
}
