/**
 * The soak's load: what citizens, agencies and checkpoints do to a running system, mixed — each
 * request counted by operation and HTTP status. It keeps what the end-of-run checks need: every
 * revocation the issuer acknowledged (2xx) and every status index it handed out.
 */
import { decodeJwt, loadSignedBundle, nobleVerifier, type TrustBundle } from "../core/index.ts";
import type { RunningAgency } from "../scripts/system.ts";
import { DEMO_AGENCIES, DEMO_CLAIMS, DEMO_REGIONS, demoAuthorityKey } from "../scripts/demo/consortium.ts";
import { createHolderKey, type SoftwareHolderKey } from "../wallet/holder.ts";
import { present } from "../wallet/present.ts";
import { presentationQrText } from "../wallet/qr.ts";
import { receiveOffer } from "../wallet/receive.ts";
import { issuerClient, type IssuerClient, type IssuerRoutes } from "../services/issuer/client.ts";

/** What `laissez up` wrote to its state directory's system.json. */
export interface SystemRecord {
  readonly chainId: number;
  readonly agencies: readonly RunningAgency[];
  readonly checkpoints: Readonly<Record<string, string>>;
}

/** A credential the load holds (as its holder) for presenting and for status changes. */
interface Held {
  readonly id: string;
  readonly jwt: string;
  readonly holder: SoftwareHolderKey;
  readonly agency: RunningAgency;
  suspended: boolean;
  revoked: boolean;
}

/** A revocation the issuer answered 2xx: its bit must be set on chain at the end. */
export interface AcknowledgedRevocation {
  readonly credentialId: string;
  readonly list: number;
  readonly index: number;
}

/** 503s a service documents for a dependency that is away (the chain; the first sync): fail closed, by design. */
const DOCUMENTED_503 = new Set(["chain_unavailable", "bundle_unavailable"]);

export class Tally {
  readonly byOperation = new Map<string, Map<number, number>>();
  requests = 0;
  /** Responses ≥ 500 other than a documented 503. */
  unexpected5xx = 0;
  documented503 = 0;
  connectionErrors = 0;
  readonly samples5xx: string[] = [];
  /** What the first requests without an answer died of (the socket error under fetch's "fetch failed"). */
  readonly samplesNoAnswer: string[] = [];

  record(operation: string, status: number, code: string | undefined, detail: string): void {
    this.requests++;
    const row = this.byOperation.get(operation) ?? new Map<number, number>();
    row.set(status, (row.get(status) ?? 0) + 1);
    this.byOperation.set(operation, row);
    if (status < 500) return;
    // /health answers 503 `degraded` while a dependency recovers (docs/services.md: the chain away, an
    // audit anchor the chain has not taken yet): the check's documented answer, not a failure.
    const healthDegraded = status === 503 && operation.endsWith("health") && detail.includes('"status":"degraded"');
    if (healthDegraded || (status === 503 && code !== undefined && DOCUMENTED_503.has(code))) this.documented503++;
    else {
      this.unexpected5xx++;
      if (this.samples5xx.length < 20) this.samples5xx.push(`${operation} → ${status} ${detail.slice(0, 300)}`);
    }
  }

  count(operation: string, status?: number): number {
    const row = this.byOperation.get(operation);
    if (!row) return 0;
    if (status !== undefined) return row.get(status) ?? 0;
    return [...row.values()].reduce((a, b) => a + b, 0);
  }
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** The issue's malformed requests, a few of each kind (the fuzz test in `npm test` has thousands). */
function malformedRequests(s: SystemRecord): { operation: string; url: string; init: RequestInit }[] {
  const issuer = pick(s.agencies);
  const checkpoint = pick(Object.values(s.checkpoints));
  const auth = { authorization: `Bearer ${issuer.token}` };
  return [
    {
      operation: "malformed.json",
      url: `${issuer.url}/credentials`,
      init: { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: '{"type":"HealthCode",' },
    },
    {
      operation: "malformed.unknown_field",
      url: `${issuer.url}/credentials`,
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ type: "HealthCode", subject: "did:key:z", claims: {}, extra: 1 }),
      },
    },
    {
      operation: "malformed.media_type",
      url: `${issuer.url}/credentials/status`,
      init: { method: "POST", headers: { ...auth, "content-type": "application/jsonx" }, body: "{}" },
    },
    {
      operation: "malformed.charset",
      url: `${checkpoint}/verify`,
      init: {
        method: "POST",
        headers: { "content-type": "application/json; charset=latin1" },
        body: '{"presentation":"x"}',
      },
    },
    {
      operation: "malformed.fake_gzip",
      url: `${checkpoint}/verify`,
      init: {
        method: "POST",
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
        body: "not gzip at all",
      },
    },
    {
      operation: "malformed.oversized",
      url: `${issuer.url}/offers`,
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ type: "HealthCode", claims: { pad: "x".repeat(200_000) } }),
      },
    },
    { operation: "malformed.uri", url: `${issuer.url}/status/%ff/%fe`, init: { method: "GET" } },
    {
      operation: "malformed.token",
      url: `${issuer.url}/credentials/status`,
      init: {
        method: "POST",
        headers: { authorization: "Bearer lz_forged", "content-type": "application/json" },
        body: JSON.stringify({ action: "revoke", ids: ["urn:uuid:x"] }),
      },
    },
    {
      operation: "malformed.unknown_credential",
      url: `${issuer.url}/credentials/status`,
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ action: "revoke", ids: ["urn:uuid:00000000-0000-0000-0000-000000000000"] }),
      },
    },
    {
      operation: "malformed.grant",
      url: `${issuer.url}/token`,
      init: {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=password&username=a",
      },
    },
    {
      operation: "malformed.nonce",
      url: `${checkpoint}/verify`,
      init: {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ presentation: "LZ1:AAAA", nonce: "forged" }),
      },
    },
    {
      operation: "malformed.presentation_type",
      url: `${checkpoint}/verify`,
      init: {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ presentation: 5 }),
      },
    },
  ];
}

/** The mixed load against one running system. */
export class SoakLoad {
  readonly tally = new Tally();
  readonly acknowledged: AcknowledgedRevocation[] = [];
  /** Every status slot handed out: `list:index` (each agency has its own lists) → credential ids. */
  readonly slots = new Map<string, string[]>();
  issued = 0;
  redeemed = 0;
  /** Offers the wallet gave up on, by its error code (offer_refused while the chain is away; anything else is a defect). */
  readonly refusedOffers: Record<string, number> = {};
  readonly verdicts: Record<string, number> = {};
  private readonly held: Held[] = [];
  private readonly bundles = new Map<string, { bundle: TrustBundle; at: number }>();
  private readonly system: SystemRecord;

  constructor(system: SystemRecord) {
    this.system = system;
  }

  /** One request through fetch, counted; a connection error is counted too and returns status 0. */
  async call(
    operation: string,
    url: string,
    init: RequestInit = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      this.noAnswer(
        operation,
        `${init.method ?? "GET"} ${url}`,
        `${String(e)}${cause ? ` (${cause.code ?? ""} ${cause.message ?? ""})` : ""}`,
      );
      return { status: 0, json: {} };
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (a page, an empty body): the status is what counts
    }
    this.tally.record(operation, res.status, (json.error as { code?: string } | undefined)?.code, text);
    return { status: res.status, json };
  }

  /** fetch for the wallet's receive, counting each of its requests. */
  private readonly countingFetch: typeof fetch = async (input, init) => {
    const url = String(input);
    const { status, json } = await this.call(url.endsWith("/token") ? "offer.token" : "offer.credential", url, init);
    return new Response(JSON.stringify(json), {
      status: status || 599,
      headers: { "content-type": "application/json" },
    });
  };

  /** A request that got no HTTP answer, counted (the first ten kept as samples). */
  private noAnswer(operation: string, request: string, failure: string): void {
    this.tally.connectionErrors++;
    if (this.tally.samplesNoAnswer.length < 10) this.tally.samplesNoAnswer.push(`${operation} ${request}: ${failure}`);
    this.tally.record(operation, 0, undefined, failure);
  }

  private readonly clients = new Map<RunningAgency, IssuerClient>();

  /** An operator route through the issuer service's one typed client, counted like every request. */
  private async operatorCall<R extends "POST /credentials" | "POST /offers" | "POST /credentials/status">(
    operation: string,
    agency: RunningAgency,
    route: R,
    body: IssuerRoutes[R]["body"],
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    let client = this.clients.get(agency);
    if (!client) this.clients.set(agency, (client = issuerClient(agency.url, { token: agency.token })));
    const a = await client.send(route, body as never);
    if (a.status === 0) this.noAnswer(operation, `${route} at ${agency.url}`, a.failure ?? "no answer");
    else this.tally.record(operation, a.status, a.code, a.text);
    return { status: a.status, json: a.json };
  }

  /** Remembers what the holder got: the credential to present, its status slots to check for reuse. */
  private keep(jwt: string, holder: SoftwareHolderKey, agency: RunningAgency): void {
    const vc = (
      decodeJwt(jwt).payload as {
        jti?: string;
        vc: { credentialStatus: { statusPurpose: string; statusListIndex: string; statusListCredential: string }[] };
      }
    ).vc;
    const id = String(decodeJwt(jwt).payload.jti);
    for (const s of vc.credentialStatus) {
      const slot = `${s.statusListCredential}#${s.statusListIndex}`;
      this.slots.set(slot, [...(this.slots.get(slot) ?? []), id]);
    }
    this.issued++;
    this.held.push({ id, jwt, holder, agency, suspended: false, revoked: false });
    // The pool stays bounded: old credentials only matter to the final checks, which keep their own records.
    if (this.held.length > 3000) this.held.splice(0, this.held.length - 3000);
  }

  async issue(): Promise<void> {
    const agency = pick(this.system.agencies);
    const type = DEMO_AGENCIES[agency.index]!.types[0]!;
    const holder = createHolderKey();
    const r = await this.operatorCall("issue", agency, "POST /credentials", {
      type,
      subject: holder.did,
      claims: DEMO_CLAIMS[type],
    });
    if (r.status === 201) this.keep(r.json.credential as string, holder, agency);
  }

  private async bundleOf(region: string): Promise<TrustBundle | undefined> {
    const cached = this.bundles.get(region);
    if (cached && Date.now() - cached.at < 15_000) return cached.bundle;
    const r = await this.call("checkpoint.bundle", `${this.system.checkpoints[region]}/bundle`);
    if (r.status !== 200) return cached?.bundle;
    const { bundle } = loadSignedBundle(
      JSON.stringify(r.json),
      { chainId: this.system.chainId, authorities: [demoAuthorityKey(region).address], region },
      undefined,
    );
    this.bundles.set(region, { bundle, at: Date.now() });
    return bundle;
  }

  /** An offer, redeemed by a wallet through OpenID4VCI (token, holder proof, credential). */
  async offer(): Promise<void> {
    const agency = pick(this.system.agencies);
    const type = DEMO_AGENCIES[agency.index]!.types[0]!;
    const r = await this.operatorCall("offer", agency, "POST /offers", { type, claims: DEMO_CLAIMS[type] });
    if (r.status !== 201) return;
    const bundle = await this.bundleOf(agency.region);
    if (!bundle) return;
    const holder = createHolderKey();
    try {
      // laissez up serves its issuers over http on 127.0.0.1: the wallet's development option.
      const credential = await receiveOffer({
        offerUri: r.json.offerUri as string,
        key: holder,
        fetch: this.countingFetch,
        now: Math.floor(Date.now() / 1000),
        verify: { bundle, verifier: nobleVerifier },
        allowHttpLoopback: true,
      });
      this.redeemed++;
      this.keep(credential.jwt, holder, agency);
    } catch (e) {
      // Refused while the chain is away (offer_refused, its 503 counted above), or a bundle older than the agency's newest key;
      // counted, so that a wallet refusing every offer (as it did once, silently) fails the run.
      const code = (e as { code?: unknown }).code;
      const key = typeof code === "string" ? code : (e as Error).name;
      this.refusedOffers[key] = (this.refusedOffers[key] ?? 0) + 1;
    }
  }

  /** Revoke (most often), suspend, or reinstate a suspended one; acknowledged revocations are remembered. */
  async changeStatus(): Promise<void> {
    const live = this.held.filter((h) => !h.revoked);
    if (live.length === 0) return this.issue();
    const h = pick(live);
    const roll = Math.random();
    const action = h.suspended && roll < 0.3 ? "reinstate" : roll < 0.65 ? "revoke" : "suspend";
    const r = await this.operatorCall(`status.${action}`, h.agency, "POST /credentials/status", {
      action,
      ids: [h.id],
    });
    if (r.status < 200 || r.status >= 300) return;
    if (action === "revoke") {
      h.revoked = true;
      const status = (
        decodeJwt(h.jwt).payload as {
          vc: { credentialStatus: { statusPurpose: string; statusListIndex: string; statusListCredential: string }[] };
        }
      ).vc.credentialStatus;
      const revocation = status.find((s) => s.statusPurpose === "revocation")!;
      this.acknowledged.push({
        credentialId: h.id,
        list: Number(revocation.statusListCredential.split("/").at(-1)),
        index: Number(revocation.statusListIndex),
      });
    } else h.suspended = action === "suspend";
  }

  /** A checkpoint verifies a QR: static (made for its region) or bound to a challenge it handed out. */
  async verify(challenge: boolean): Promise<void> {
    if (this.held.length === 0) return this.issue();
    const h = pick(this.held.slice(-500));
    const region = pick(DEMO_REGIONS);
    const checkpoint = this.system.checkpoints[region]!;
    const now = Math.floor(Date.now() / 1000);
    let body: { presentation: string; nonce?: string };
    if (challenge) {
      const c = await this.call("checkpoint.challenge", `${checkpoint}/challenges`, { method: "POST" });
      if (c.status !== 201) return;
      body = {
        presentation: presentationQrText(
          await present(h.jwt, h.holder, now, { audience: c.json.audience as string, nonce: c.json.nonce as string }),
        ),
        nonce: c.json.nonce as string,
      };
    } else body = { presentation: presentationQrText(await present(h.jwt, h.holder, now, { region })) };
    const r = await this.call(challenge ? "verify.challenge" : "verify.static", `${checkpoint}/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.status === 200) {
      const verdict = `${r.json.verdict as string}${r.json.reason ? `:${r.json.reason as string}` : ""}`;
      this.verdicts[verdict] = (this.verdicts[verdict] ?? 0) + 1;
    }
  }

  async malformed(): Promise<void> {
    const m = pick(malformedRequests(this.system));
    await this.call(m.operation, m.url, m.init);
  }

  /** One operation of the mix. */
  async step(): Promise<void> {
    const roll = Math.random();
    if (roll < 0.25) return this.issue();
    if (roll < 0.33) return this.offer();
    if (roll < 0.53) return this.changeStatus();
    if (roll < 0.75) return this.verify(false);
    if (roll < 0.85) return this.verify(true);
    return this.malformed();
  }

  /** Status slots handed out to more than one credential. */
  reusedSlots(): number {
    return [...this.slots.values()].filter((ids) => new Set(ids).size > 1).length;
  }
}
