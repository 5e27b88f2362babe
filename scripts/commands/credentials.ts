import { DEFAULT_FORMAT_NAME, FORMAT_NAMES, formatOfCredential, type StatusAction } from "../../core/index.ts";
import { requireString, stringOption, UsageError, type Command } from "../cli.ts";
import { claimsOption, integerOption, issuerService, readInput, validForOption } from "../context.ts";
import { issuerClient, type IssuerClient } from "../../services/issuer/client.ts";
import type { OutboxEntry } from "../../services/issuer/store.ts";

/**
 * `laissez issue / revoke / suspend / reinstate`: clients of the agency's issuer service, as any
 * operator tool is. The service checks accreditation and schema, allocates status indices
 * without collisions, keeps the record, and anchors status changes through its outbox; these
 * commands hold no agency key. Where: `--service URL` or LAISSEZ_ISSUER_URL; who:
 * LAISSEZ_ISSUER_TOKEN, or `--token-file` / LAISSEZ_ISSUER_TOKEN_FILE (the token never on the
 * command line, where `ps` shows it).
 */
const SERVICE_OPTIONS = {
  service: { type: "string" },
  "token-file": { type: "string" },
  json: { type: "boolean" },
} as const;

/** The issuer service's typed client, from --service / the token options. */
function serviceClient(values: Record<string, unknown>): IssuerClient {
  const { url, token } = issuerService(values);
  return issuerClient(url, { token });
}

export const issueCommand: Command = {
  name: "issue",
  summary:
    "issue a credential through the agency's issuer service (checked, recorded, signed there): jwt_vc, SD-JWT VC, or both on the same status bits",
  usage:
    "laissez issue --type HealthCode --holder DID --claims JSON [--format jwt_vc|sd_jwt_vc|both] [--valid-for SECONDS] [--idempotency-key KEY] [--service URL]   (LAISSEZ_ISSUER_TOKEN)",
  options: {
    ...SERVICE_OPTIONS,
    type: { type: "string" },
    holder: { type: "string" },
    claims: { type: "string" },
    "valid-for": { type: "string" },
    "idempotency-key": { type: "string" },
    format: { type: "string" },
  },
  async run({ values }) {
    const claims = claimsOption(values);
    const validFor = validForOption(values);
    const key = stringOption(values, "idempotency-key");
    const asked = stringOption(values, "format") ?? DEFAULT_FORMAT_NAME;
    const format = ([...FORMAT_NAMES, "both"] as const).find((f) => f === asked);
    if (!format) throw new UsageError(`--format must be ${FORMAT_NAMES.join(", ")} or both`);
    const body = {
      type: requireString(values, "type"),
      subject: requireString(values, "holder"),
      claims,
      format,
      ...(validFor === undefined ? {} : { validFor }),
    };
    const issued = await serviceClient(values).call(
      "POST /credentials",
      body,
      key ? { headers: { "idempotency-key": key } } : {},
    );
    // --format both: one record, one pair of status bits; the jwt_vc on the first line, the SD-JWT VC on the second.
    console.log(
      values.json
        ? JSON.stringify(issued)
        : "credential" in issued
          ? [issued.credential, issued.sdJwtVc].filter((c) => typeof c === "string").join("\n")
          : "",
    );
    return 0;
  },
};

/** A credential's id: the argument itself (`urn:uuid:…`), or the `jti` of a credential JWT or SD-JWT VC. */
function credentialId(text: string): string {
  if (/^urn:uuid:[0-9a-f-]{36}$/i.test(text)) return text;
  try {
    const jti = formatOfCredential(text).statement(text)?.id;
    if (typeof jti === "string") return jti;
  } catch {
    // reported below
  }
  throw new UsageError(`not a credential JWT or a credential id: ${text.slice(0, 40)}…`);
}

/** revoke / suspend / reinstate: one request to the service's outbox; by default waits until anchored. */
function statusCommand(action: StatusAction, summary: string): Command {
  return {
    name: action,
    summary,
    usage: `laissez ${action} [CREDENTIAL_FILE|-|ID]... [--service URL] [--no-wait | --timeout SECONDS]   (credential JWTs or ids; LAISSEZ_ISSUER_TOKEN)`,
    options: { ...SERVICE_OPTIONS, "no-wait": { type: "boolean" }, timeout: { type: "string" } },
    async run({ values, positionals }) {
      const inputs = (positionals.length ? positionals : ["-"])
        .flatMap((p) => (/^urn:uuid:/i.test(p) ? [p] : readInput(p).split(/\s+/)))
        .filter(Boolean);
      if (inputs.length === 0) throw new UsageError("no credential given");
      const ids = [...new Set(inputs.map(credentialId))];
      const client = serviceClient(values);
      const accepted = await client.call("POST /credentials/status", { action, ids });
      let requests: OutboxEntry[] = accepted.requests;
      if (!values["no-wait"]) {
        const deadline = Date.now() + integerOption(values, "timeout", 120) * 1000;
        const seqs = new Set(requests.map((r) => r.seq));
        // Every credential the service enqueued: a batch's copies too, when one copy's id was given.
        const enqueued = [...new Set(requests.map((r) => r.credentialId))];
        while (requests.some((r) => r.state !== "anchored")) {
          if (Date.now() > deadline)
            throw new Error(
              `${action}: accepted, but not anchored within the timeout (still pending in the service's outbox)`,
            );
          await new Promise((r) => setTimeout(r, 250));
          const records = await Promise.all(
            enqueued.map((id) => client.call("GET /credentials/:id", undefined, { params: { id } })),
          );
          requests = records.flatMap((rec) => rec.requests.filter((r) => seqs.has(r.seq)));
        }
      }
      if (values.json) console.log(JSON.stringify({ action, requests }));
      else
        for (const r of requests)
          console.log(
            `${action}: ${r.credentialId} ${r.state}${r.transaction ? ` (tx ${r.transaction}, block ${r.block})` : ""}`,
          );
      return 0;
    },
  };
}

export const revokeCommand = statusCommand(
  "revoke",
  "revoke credentials for good, through the issuer service's outbox (waits until anchored on chain)",
);
export const suspendCommand = statusCommand("suspend", "suspend credentials, through the issuer service's outbox");
export const reinstateCommand = statusCommand("reinstate", "lift a suspension, through the issuer service's outbox");
