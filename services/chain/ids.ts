import { decodeBytes32String, encodeBytes32String } from "ethers";

/** ISO 3166-2 subdivision code, e.g. CN-ZJ. */
const REGION = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
/** Short credential type name, e.g. HealthCode. */
const CREDENTIAL_TYPE = /^[A-Z][A-Za-z0-9]{0,30}$/;

export class InvalidIdentifierError extends TypeError {
  readonly code = "invalid_identifier";
}

/** A region code as the bytes32 the contracts store (left-aligned ASCII). */
export function regionId(code: string): string {
  if (!REGION.test(code))
    throw new InvalidIdentifierError(`region must be an ISO 3166-2 code like CN-ZJ, got ${JSON.stringify(code)}`);
  return encodeBytes32String(code);
}

/** A credential type name as the bytes32 the contracts store. */
export function credentialTypeId(name: string): string {
  if (!CREDENTIAL_TYPE.test(name))
    throw new InvalidIdentifierError(`credential type must match ${CREDENTIAL_TYPE}, got ${JSON.stringify(name)}`);
  return encodeBytes32String(name);
}

/** The string a bytes32 id was made from. */
export function idToString(id: string): string {
  return decodeBytes32String(id);
}
