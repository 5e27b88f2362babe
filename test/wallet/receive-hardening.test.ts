/**
 * Issue 10 item 16: a hostile credential offer cannot make the wallet follow it anywhere.
 * Real HTTP servers on loopback play the hostile issuer: a redirect that would carry the
 * pre-authorized code to another server, an issuer that never answers, one that answers a
 * megabyte, one whose error text is a phishing message. The wallet requires https (plain http
 * only for loopback, by an explicit development option), refuses query, fragment and user
 * information in the issuer URL, follows no redirect, caps time and size, and reports codes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { nobleVerifier, OFFER_URI_PREFIX, PRE_AUTHORIZED_GRANT, type TrustBundle } from "../../core/index.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { issuerUrl, parseOffer, receiveOffer, type ReceiveError } from "../../wallet/receive.ts";

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const offerFor = (issuer: string, code = "secret-pre-authorized-code"): string =>
  OFFER_URI_PREFIX +
  encodeURIComponent(
    JSON.stringify({
      credential_issuer: issuer,
      credential_configuration_ids: ["HealthCode"],
      grants: { [PRE_AUTHORIZED_GRANT]: { "pre-authorized_code": code } },
    }),
  );

// Generous time (a loaded machine is slow to answer), but for the issuer that never answers.
const receive = (offerUri: string, timeoutMs = 10_000) =>
  receiveOffer({
    offerUri,
    key: createHolderKey(),
    fetch,
    now: 0,
    verify: { bundle: {} as TrustBundle, verifier: nobleVerifier },
    allowHttpLoopback: true,
    limits: { timeoutMs, maxBytes: 16 * 1024 },
  });

const codeOf = async (p: Promise<unknown>): Promise<{ code: string; message: string }> => {
  try {
    await p;
  } catch (e) {
    return { code: (e as ReceiveError).code, message: (e as Error).message };
  }
  throw new Error("expected a refusal");
};

describe("receive refuses a hostile offer", () => {
  it("https only; plain http only for a loopback issuer and only when allowed; no user, query or fragment", () => {
    expect(issuerUrl("https://issuer.example.cn/agency/")).toBe("https://issuer.example.cn/agency");
    expect(issuerUrl("http://127.0.0.1:8701", true)).toBe("http://127.0.0.1:8701");
    const refused = (raw: string, allow = true): string | undefined => {
      try {
        issuerUrl(raw, allow);
      } catch (e) {
        return (e as ReceiveError).code;
      }
      return undefined;
    };
    expect(refused("http://127.0.0.1:8701", false)).toBe("offer_insecure_issuer");
    expect(refused("http://issuer.example.cn")).toBe("offer_insecure_issuer");
    expect(refused("http://127.0.0.1.attacker.example")).toBe("offer_insecure_issuer");
    expect(refused("file:///etc/passwd")).toBe("offer_insecure_issuer");
    expect(refused("javascript:alert(1)")).toBe("offer_insecure_issuer");
    expect(refused("https://issuer.example.cn/?next=https://evil.example")).toBe("offer_malformed");
    expect(refused("https://issuer.example.cn/#x")).toBe("offer_malformed");
    expect(refused("https://user:pw@issuer.example.cn")).toBe("offer_malformed");
    expect(refused("not a url")).toBe("offer_malformed");
    expect(() => parseOffer(offerFor("http://127.0.0.1:1"))).toThrow(/not on https/);
  });

  it("follows no redirect: the pre-authorized code never reaches the server a 307 names", async () => {
    const elsewhere = await serve((_req, res) => res.end("{}"));
    const issuer = await serve((_req, res) => res.writeHead(307, { location: `${elsewhere.url}/token` }).end());
    expect(await codeOf(receive(offerFor(issuer.url)))).toMatchObject({ code: "issuer_redirected" });
    expect(issuer.requests).toEqual(["POST /token"]);
    expect(elsewhere.requests).toEqual([]);
  });

  it("caps the time and the size of the issuer's answers", async () => {
    const silent = await serve(() => undefined);
    const started = Date.now();
    expect(await codeOf(receive(offerFor(silent.url), 1000))).toMatchObject({
      code: "issuer_unreachable",
      message: "the issuer did not answer within 1 s",
    });
    expect(Date.now() - started).toBeLessThan(8_000);
    const huge = await serve((_req, res) =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ access_token: "x".repeat(1 << 20), c_nonce: "n" })),
    );
    expect(await codeOf(receive(offerFor(huge.url)))).toMatchObject({ code: "issuer_response_invalid" });
    const notJson = await serve((_req, res) => res.writeHead(200).end("<html>hello</html>"));
    expect(await codeOf(receive(offerFor(notJson.url)))).toMatchObject({ code: "issuer_response_invalid" });
  });

  it("prints the issuer's error code, never its text", async () => {
    const phishing = {
      error: {
        code: "invalid_grant",
        message: "Your wallet is locked: call +86 000 or visit http://phish.example to unlock",
      },
    };
    const issuer = await serve((_req, res) =>
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(phishing)),
    );
    const refused = await codeOf(receive(offerFor(issuer.url)));
    expect(refused.code).toBe("offer_refused");
    expect(refused.message).toContain("invalid_grant, HTTP 400");
    expect(refused.message).not.toMatch(/phish|call|unlock/);
    const weirdCode = await serve((_req, res) =>
      res.writeHead(400).end(JSON.stringify({ error: { code: "Visit http://phish.example" } })),
    );
    expect((await codeOf(receive(offerFor(weirdCode.url)))).message).toMatch(/\(HTTP 400\)$/);
  });
});
