/**
 * What `laissez <command> --help` says: one line for every flag, an example or two, and the
 * section of the CLI guide (docs/cli.md) that error messages point to. Kept apart from the
 * commands so a flag shared by several commands means the same words everywhere; a test checks
 * that every flag of every command has its line here.
 */

/** Flags that mean the same in every command that takes them. */
const COMMON: Readonly<Record<string, string>> = {
  help: "print this help and exit",
  json: "print the result as one JSON line (for scripts)",
  rpc: "the chain's JSON-RPC URL",
  deployments: "the directory of deployment files (<chainId>.json: the registries' addresses)",
  "chain-id": "the chain id the trust anchor belongs to",
  authority: "the region authority's 0x address that signs the bundle (the demo's on the development chain)",
  service: "the agency's issuer service URL (or LAISSEZ_ISSUER_URL)",
  "token-file":
    "a file holding the operator token (or LAISSEZ_ISSUER_TOKEN / LAISSEZ_ISSUER_TOKEN_FILE); never on the command line",
  wallet: "the wallet file (default: $XDG_DATA_HOME/laissez/wallet.json, or ~/.local/share/laissez/wallet.json)",
  "state-dir": "where the running system keeps its tokens, URLs, logs and lock",
  "base-port": "issuers listen on base+1…, checkpoints on base+101…, the web wallet on base+200",
  "valid-for": "validity in seconds (at most the type's maximum)",
};

export interface CommandHelp {
  /** Lines for this command's own flags (override COMMON where the meaning differs). */
  readonly flags: Readonly<Record<string, string>>;
  /** Ready-to-run examples, shown under "examples:". */
  readonly examples: readonly string[];
}

const SYSTEM_FLAGS = {
  port: "the chain's JSON-RPC port on 127.0.0.1",
  lan: "LAN mode: also serve the wallet, checkpoint pages and issuers over https on this IP address (a CA made for the run; phone URLs printed as QR codes)",
};

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  "besu-kit": {
    flags: {
      regions: "a JSON file naming each region's node and authority (see deploy/besu/README.md)",
      local: "a four-region kit with fresh keys, for one machine (keys written 0600, never overwritten)",
      out: "the directory to write the kit to",
    },
    examples: ["laissez besu-kit --local --out besu-kit", "laissez besu-kit --regions regions.json --out besu-kit"],
  },
  signer: {
    flags: {
      config:
        "the signer's config file: keys (software or PKCS#11 labels) and their purposes, callers (token SHA-256 and their keys), contracts, log (docs/hsm.md)",
      key: "keygen: the configured key to generate inside the PKCS#11 token",
      port: "the port on 127.0.0.1 to serve on",
      host: "the loopback address to listen on (127.0.0.1, ::1)",
    },
    examples: [
      "laissez signer serve --config signer.json --port 9310",
      "laissez signer keygen --config signer.json --key credential",
    ],
  },
  audit: {
    flags: {
      db: "the issuer service's SQLite file whose audit log to check (opened read-only)",
      agency: "the agency's 0x address (or a demo agency's index on the development chain)",
    },
    examples: ["laissez audit verify --db .data/issuer-0.db --agency 0"],
  },
  chain: { flags: { port: "the JSON-RPC port on 127.0.0.1" }, examples: ["laissez chain --port 8545"] },
  deploy: { flags: {}, examples: ["laissez deploy --rpc http://127.0.0.1:8545"] },
  seed: { flags: {}, examples: ["laissez seed --rpc http://127.0.0.1:8545"] },
  up: {
    flags: SYSTEM_FLAGS,
    examples: [
      "laissez up",
      "laissez up --port 9245 --base-port 9200 --state-dir /tmp/laissez",
      "laissez up --lan 192.168.1.20",
    ],
  },
  demo: {
    flags: {
      ...SYSTEM_FLAGS,
      lang: "the narration's language: both (each Chinese line followed by its English), zh or en",
    },
    examples: ["laissez demo --lang en", "npm run demo"],
  },
  issue: {
    flags: {
      type: "the credential type (HealthCode, DriverLicence, BusinessLicence in the demo)",
      holder: "the holder's DID (did:key:…, shown by `laissez wallet init`)",
      claims: "the claims as a JSON object, checked against the type's schema by the service",
      "idempotency-key": "the same key on a retry returns the same credential, never a second one",
      format: "the credential format: jwt_vc, sd_jwt_vc or both",
    },
    examples: [
      `laissez issue --type HealthCode --holder did:key:zDn… --claims '{"healthStatus":"green","givenName":"Mei","familyName":"Li"}' > vc.jwt`,
    ],
  },
  paper: {
    flags: {
      type: "the credential type (its on-chain policy must allow paper)",
      claims: "the claims as a JSON object; must include givenName, familyName and birthDate (or legalRepresentative)",
      out: "the printable page (HTML, A5, both languages) to write",
      pdf: "also print the page to this PDF with Chromium (LAISSEZ_CHROMIUM or /usr/bin/chromium)",
      bundle:
        "the region's signed bundle (a file or a checkpoint's /bundle URL): names the agency and checks the credential before printing",
      region: "the region whose authority signs that bundle (default CN-ZJ; case-insensitive)",
    },
    examples: [
      `laissez paper --service http://127.0.0.1:8701 --token-file token.txt --region CN-ZJ --bundle http://127.0.0.1:8801/bundle --type HealthCode --claims '{"healthStatus":"green","givenName":"梅","familyName":"李","birthDate":"1990-04-12"}' --out li-mei.html --pdf li-mei.pdf`,
    ],
  },
  revoke: {
    flags: {
      "no-wait": "return once the service accepted the change (pending), without waiting for the chain",
      timeout: "seconds to wait until anchored",
    },
    examples: ["laissez revoke vc.jwt", "laissez revoke urn:uuid:… --no-wait"],
  },
  suspend: {
    flags: {
      "no-wait": "return once the service accepted the change (pending)",
      timeout: "seconds to wait until anchored",
    },
    examples: ["laissez suspend vc.jwt"],
  },
  reinstate: {
    flags: {
      "no-wait": "return once the service accepted the change (pending)",
      timeout: "seconds to wait until anchored",
    },
    examples: ["laissez reinstate vc.jwt"],
  },
  sync: {
    flags: {
      region: "the region whose signed bundle to build (case-insensitive)",
      out: "where to write the signed bundle",
      from: "an earlier bundle: also write only the changes since it (--delta-out)",
      "delta-out": "where to write the signed delta (with --from)",
      schemas: "the directory of the credential types' JSON schemas",
    },
    examples: [
      "laissez sync --region CN-SH --out sh.json",
      "laissez sync --region CN-SH --from sh.json --out sh2.json --delta-out delta.json",
    ],
  },
  verify: {
    flags: {
      bundle: "the signed trust bundle file (from `laissez sync` or a checkpoint's /bundle)",
      region: "this checkpoint's region (case-insensitive)",
      state: "the rollback state file (default: $XDG_STATE_HOME/laissez/checkpoint-<region>.json)",
      audience: "the audience this checkpoint's challenge demanded (with --nonce)",
      nonce: "the nonce this checkpoint's challenge demanded (with --audience)",
      now: "verify as at this UNIX time (seconds) instead of the clock",
      claims:
        "the claims this checkpoint's challenge asked for (with --audience and --nonce); a presentation withholding one is refused",
    },
    examples: [
      "laissez verify --bundle sh.json --region CN-SH vc.jwt",
      "pbpaste | laissez verify --bundle sh.json --region CN-SH --json -",
    ],
  },
  issuer: {
    flags: {
      agency: "serve demo agency N (0…5) with its development keys (development chain only)",
      alg: "the signing algorithm of the demo agency: ES256K or EdDSA",
      db: "the service's SQLite database file",
      name: "the operator's name",
    },
    examples: ["laissez issuer serve --agency 0", "laissez issuer create-admin --db .data/issuer-0.db"],
  },
  wallet: {
    flags: {
      bundle: "a checkpoint's signed bundle: a file or its /bundle URL (receive, sync)",
      region: "the region whose authority signs that bundle (default CN-ZJ; case-insensitive)",
      png: "present: also write the QR code to this PNG file",
      audience: "present: bind to a checkpoint's challenge (with --nonce)",
      nonce: "present: the challenge's nonce (with --audience)",
      for: "present: a static QR for this region's checkpoints (valid 5 minutes)",
      out: "backup: the encrypted backup file to write",
      from: "restore: the backup file to read (merged into an existing wallet: nothing is lost)",
      replace:
        "restore: replace the wallet instead of merging, after saving it beside itself (wallet.json.before-restore-…)",
      "allow-http-loopback":
        "receive: accept an issuer on http://127.0.0.1 or localhost (development only; otherwise https only)",
      format: "receive: ask for jwt_vc or sd_jwt_vc",
      claims: "present: the claims the checkpoint asked for (SD-JWT VC)",
      disclose: "present: the claims to disclose (SD-JWT VC)",
    },
    examples: [
      "laissez wallet init",
      "laissez wallet receive 'openid-credential-offer://?credential_offer=…' --bundle http://127.0.0.1:8801/bundle --allow-http-loopback",
      "laissez wallet sync --bundle http://127.0.0.1:8802/bundle --region CN-SH",
      "laissez wallet present 1 --for CN-SH --png qr.png",
    ],
  },
  authority: {
    flags: {
      agency: "the agency's 0x address (or a demo agency's index on the development chain)",
      region: "the region, as the chain records it (case-insensitive; an unknown one lists the chain's)",
      issuing: "recognize: the issuing region (case-insensitive)",
      type: "the credential type",
      signer: "the bundle signer's 0x address",
      out: "delegate: the delegation file to write",
      from: "delegate: the delegation's start (UNIX seconds; default now)",
      off: "recognize: withdraw the recognition instead",
    },
    examples: [
      "laissez authority accredit --agency 0x… --type HealthCode",
      "laissez authority delegate --region CN-SH --signer 0x… --out d.json",
    ],
  },
  agency: {
    flags: {
      agency: "the agency's 0x address (or a demo agency's index on the development chain)",
      writer: "set-writer: the status writer's 0x address (the zero address stops every status write)",
      key: "revoke-key: the compromised key's 0x address",
      new: "rotate-key: the new signing key's 0x address",
      old: "rotate-key: the old signing key's 0x address",
      overlap: "rotate-key: seconds the old key stays valid",
      count: "reset-audit: the last genuine anchored count (`laissez audit verify --json`: anchored.count; 0: none)",
      head: "reset-audit: that entry's hash, 0x + 64 hex (anchored.head)",
    },
    examples: [
      "laissez agency set-writer --agency 0x… --writer 0x…",
      "laissez agency revoke-key --agency 0x… --key 0x…",
      "laissez agency reset-audit --agency 0x… --count 1234 --head 0x…",
    ],
  },
};

/** The help line of a flag of a command, or undefined when none is written. */
export function flagHelp(command: string, flag: string): string | undefined {
  return COMMAND_HELP[command]?.flags[flag] ?? COMMON[flag];
}

/** Where the guide explains a command: error messages end with it. */
export const guideSection = (command: string): string => `docs/cli.md#laissez-${command}`;

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment): flags are short. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name nearest to `typed` (a typo, a prefix or a case slip), or undefined when none is close. */
export function nearest(typed: string, known: readonly string[]): string | undefined {
  const t = typed.toLowerCase();
  const prefixed = known.filter((k) => k.startsWith(t) || t.startsWith(k));
  if (prefixed.length === 1) return prefixed[0];
  const scored = known.map((k) => ({ k, d: distance(t, k) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  return best && best.d <= Math.max(1, Math.floor(best.k.length / 3)) ? best.k : undefined;
}
