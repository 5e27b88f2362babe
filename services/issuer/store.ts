/**
 * The issuer store: async interfaces (`store/types.ts`), the policy every dialect shares
 * (`store/policy.ts`, `store/audit-chain.ts`, `store/group-commit.ts`), and the dialects —
 * SQLite (`store/sqlite/`) the first and the embedded default.
 */
export type { StatusAction } from "../../core/index.ts";
export type * from "./store/types.ts";
export { IDEMPOTENCY_WINDOW, MAX_COPIES, StoreError, planBatch, planningWindow } from "./store/policy.ts";
export { GroupCommit } from "./store/group-commit.ts";
export {
  auditEntryHash,
  checkAuditChain,
  AUDIT_GENESIS,
  type AnchoredAuditHead,
  type AuditHead,
  type AuditReport,
  type AuditRow,
} from "./store/audit-chain.ts";
export { readAuditRows, SqliteIssuerStore } from "./store/sqlite/index.ts";
