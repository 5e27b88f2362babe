import { createHash } from "node:crypto";
import type { RequestListener } from "node:http";
import { z } from "zod";
import { bytesToHex, type KeySigner, SIGNED_CONTENT_KINDS } from "../../core/index.ts";
import { createHttpApp, type Log, route } from "../http/app.ts";
import { ServiceError } from "../errors.ts";
import { HTTP_STATUS } from "../http/errors.ts";
import { RateWindows } from "../http/rate.ts";
import type { SignerConfig } from "./config.ts";
import { allowSigning } from "./policy.ts";
import type { SignatureLog } from "./signature-log.ts";

const hex = (max: number) =>
  z
    .string()
    .regex(/^0x([0-9a-fA-F]{2})+$/, "0x hex")
    .max(max);

const signBody = z.object({
  input: hex(2 + 2 * 4096),
  kind: z.enum(SIGNED_CONTENT_KINDS),
  /** Up to 4 MB of preimage: a bundle envelope of a large region (a 1M-entry bundle is well under 1 MB). */
  preimage: hex(2 + 2 * 4 * 1024 * 1024).optional(),
});

/** Largest request body (a bundle envelope's preimage, hex). */
export const SIGNER_BODY_LIMIT = 9 * 1024 * 1024;

const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.slice(2), "hex"));
const tokenHash = (token: string): string => createHash("sha256").update(token).digest("hex");

/** Host names a loopback signer answers to, with its port: another Host (a DNS-rebinding page's) is refused. */
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

export interface SignerServerOptions {
  readonly config: SignerConfig;
  readonly keys: Readonly<Record<string, KeySigner>>;
  readonly log: SignatureLog;
  /** The port it listens on (known once listening): the Host header must carry it. */
  readonly port: () => number;
  readonly requestLog?: Log;
}

/**
 * `laissez signer serve`'s HTTP side (issue 22), the other side of `httpSigner`: named keys at
 * `/keys/<name>`, each caller (a bearer token, stored hashed in the config) seeing only its own
 * keys — any other name is 404, as if absent; each key signing only what its purposes allow
 * (policy.ts reads the JWT, envelope, delegation or transaction); a per-key rate limit; every
 * signature on the append-only signature log before it leaves. The shared HTTP layer gives it
 * the strict body rules (exactly `application/json`), body size cap and, through `listen`, the
 * timeouts and connection caps of the other services. Requests whose Host is not the signer's
 * own name are refused before anything else (DNS rebinding).
 */
export function createSignerHandler(o: SignerServerOptions): RequestListener {
  const byToken = new Map(Object.entries(o.config.callers).map(([name, c]) => [c.tokenSha256, name]));
  const rates = new RateWindows();
  const keyFor = (name: string, caller: string | undefined) => {
    const mine =
      caller !== undefined && Object.hasOwn(o.config.callers, caller) && o.config.callers[caller]!.keys.includes(name);
    const key = mine && Object.hasOwn(o.keys, name) ? o.keys[name] : undefined;
    if (!key) throw new ServiceError("not_found", "no such key");
    return { key, config: o.config.keys[name]! };
  };
  const app = createHttpApp({
    title: "Laissez signer",
    version: "1",
    bodyLimit: SIGNER_BODY_LIMIT,
    ...(o.requestLog ? { log: o.requestLog } : {}),
    authenticate: async (token) => {
      const caller = byToken.get(tokenHash(token));
      return caller ? { id: caller, roles: ["signer"] } : undefined;
    },
    routes: [
      route({
        method: "get",
        path: "/keys/:name",
        summary: "A key's algorithm and public key",
        auth: ["signer"],
        responses: { 200: "{ alg, publicKey }", 404: "no such key for this caller" },
        async handle({ params, caller }) {
          const { key } = keyFor(params.name!, caller?.id);
          return { status: 200, body: { alg: key.alg, publicKey: `0x${bytesToHex(key.publicKey)}` } };
        },
      }),
      route({
        method: "post",
        path: "/keys/:name",
        summary: "Sign with a key, within its purposes",
        auth: ["signer"],
        body: signBody,
        responses: {
          200: "{ signature }",
          403: "outside the key's purposes",
          404: "no such key for this caller",
          429: "over the key's rate limit",
        },
        async handle({ params, body, caller }) {
          const name = params.name!;
          const { key, config } = keyFor(name, caller?.id);
          const request = {
            input: bytes(body.input),
            kind: body.kind,
            preimage: body.preimage === undefined ? undefined : bytes(body.preimage),
          };
          const allowed = allowSigning(key, config, o.config, request);
          if (!rates.allow(name, config.ratePerMinute))
            throw new ServiceError("rate_limited", `key ${name}: over ${config.ratePerMinute} signatures a minute`);
          let signature: Uint8Array;
          try {
            signature = await key.sign(request.input);
          } catch (e) {
            throw new ServiceError("signer_unavailable", `the key could not sign: ${(e as Error).message}`);
          }
          const digest = key.alg === "ES256K" ? request.input : createHash("sha256").update(request.input).digest();
          try {
            await o.log.append({
              key: name,
              purpose: allowed.purpose,
              what: allowed.what,
              digest: `0x${bytesToHex(digest)}`,
              caller: caller!.id,
              time: new Date().toISOString(),
            });
          } catch (e) {
            throw new ServiceError("signer_unavailable", (e as Error).message);
          }
          return { status: 200, body: { signature: `0x${bytesToHex(signature)}` } };
        },
      }),
    ],
  });
  const allowedHosts = (): Set<string> =>
    new Set([...LOOPBACK_NAMES, ...o.config.hostNames].map((h) => `${h}:${o.port()}`.toLowerCase()));
  return (req, res) => {
    if (!allowedHosts().has((req.headers.host ?? "").toLowerCase())) {
      res
        .writeHead(HTTP_STATUS.misdirected_request, {
          "content-type": "application/json",
          "x-content-type-options": "nosniff",
          connection: "close",
        })
        .end(
          JSON.stringify({
            error: { code: "misdirected_request", message: "the Host header does not name this signer" },
          }),
        );
      return;
    }
    app(req, res);
  };
}
