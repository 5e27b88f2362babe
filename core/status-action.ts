/**
 * What an agency can do to an issued credential's status, and what each does to the bits:
 * the issuer service, its outbox and the operator CLI all speak these words.
 */
export const STATUS_ACTIONS = ["revoke", "suspend", "reinstate"] as const;
export type StatusAction = (typeof STATUS_ACTIONS)[number];
export type StatusPurpose = "revocation" | "suspension";

/** The list an action writes: revocation for `revoke`, suspension for the other two. */
export const purposeOf = (action: StatusAction): StatusPurpose => (action === "revoke" ? "revocation" : "suspension");

/** Whether the action sets its bit (revoke, suspend) or clears it (reinstate). */
export const setsBit = (action: StatusAction): boolean => action !== "reinstate";
