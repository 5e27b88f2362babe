import { expect, it } from "vitest";
import { BundleError } from "../../core/bundle.ts";
import { CodedError, isCodedError } from "../../core/errors.ts";

it("isCodedError reads the code of ours and of foreign errors, and nothing else", () => {
  const ours = new BundleError("bundle_rollback", "older");
  expect(isCodedError(ours, "bundle_rollback")).toBe(true);
  expect(isCodedError(ours, "bundle_malformed", "delta_base_mismatch")).toBe(false);
  expect(isCodedError(ours)).toBe(true);
  const errno = Object.assign(new Error("no such file"), { code: "ENOENT" });
  expect(isCodedError(errno, "ENOENT")).toBe(true);
  expect(isCodedError({ code: "ENOENT", message: "not an Error" }, "ENOENT")).toBe(false);
  expect(isCodedError(Object.assign(new Error("x"), { code: 42 }))).toBe(false);
  expect(isCodedError(new CodedError("x", "y"), "x")).toBe(true);
  expect(isCodedError(undefined)).toBe(false);
});
