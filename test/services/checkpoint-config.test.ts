import { describe, expect, it } from "vitest";
import { CheckpointConfig } from "../../services/checkpoint/config.ts";

describe("checkpoint configuration", () => {
  it("refuses a checkpoint id its page could not write into a challenge", () => {
    const id = CheckpointConfig.shape.LAISSEZ_CHECKPOINT_ID;
    for (const bad of ["gate 1", "x".repeat(129), "a\u202eb", ""]) expect(id.safeParse(bad).success).toBe(false);
    expect(id.parse("检查站:杭州:1")).toBe("检查站:杭州:1");
  });
});
