import { type KeySigner, type KeySignerAlg, SignerError } from "../../core/index.ts";

/**
 * A KeySigner whose key lives in another process: an HSM or cloud-KMS gateway, or
 * `laissez signer serve` standing in for one. The protocol is two requests on one URL:
 *   GET  <url>                       → 200 { "alg": "ES256K" | "EdDSA", "publicKey": "0x…" }
 *   POST <url> { "input": "0x…", "kind": "jwt"|…, "preimage": "0x…" }  → 200 { "signature": "0x…" }
 * (input/result as KeySigner.sign; `kind` and `preimage` are the SignedContent, the preimage
 * sent for ES256K only — an EdDSA input is the message itself), with `Authorization: Bearer
 * <token>`. Every request gives up after `timeoutMs`; a failure is a SignerError
 * (`signer_unavailable`), never a hang.
 */
const hexOf = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString("hex")}`;

export async function httpSigner(
  url: string,
  o: { token?: string; timeoutMs?: number; alg?: KeySignerAlg } = {},
): Promise<KeySigner> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const call = async (init: RequestInit): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), "content-type": "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new SignerError(`the signer at ${url} does not answer: ${(e as Error).message}`, { cause: e });
    }
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok || !body) throw new SignerError(`the signer at ${url} refused: HTTP ${response.status}`);
    return body;
  };
  const hex = (v: unknown, field: string): Uint8Array => {
    if (typeof v !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(v))
      throw new SignerError(`the signer at ${url} sent no hex ${field}`);
    return new Uint8Array(Buffer.from(v.slice(2), "hex"));
  };
  const info = await call({ method: "GET" });
  if (info.alg !== "ES256K" && info.alg !== "EdDSA")
    throw new SignerError(`the signer at ${url} names no known algorithm`);
  if (o.alg && info.alg !== o.alg)
    throw new SignerError(`the signer at ${url} holds an ${info.alg} key, ${o.alg} is configured`);
  return {
    alg: info.alg,
    publicKey: hex(info.publicKey, "publicKey"),
    sign: async (input, content) => {
      const body = {
        input: hexOf(input),
        ...(content
          ? { kind: content.kind, ...(info.alg === "ES256K" ? { preimage: hexOf(content.preimage) } : {}) }
          : {}),
      };
      return hex((await call({ method: "POST", body: JSON.stringify(body) })).signature, "signature");
    },
  };
}
