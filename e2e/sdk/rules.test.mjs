// Configures actions and rules through the Management API, tracks through
// @authsignal/node, and checks the states and rule ids track reports. Run
// through go test ./e2e/ (TestAuthsignalNodeSDK), which sets the variables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Authsignal } from "@authsignal/node";

const apiUrl = process.env.UPLIFT_API_URL;
const apiSecretKey = process.env.UPLIFT_SECRET_KEY;
if (!apiUrl || !apiSecretKey) {
  throw new Error("UPLIFT_API_URL and UPLIFT_SECRET_KEY must be set; run through go test ./e2e/");
}
const authsignal = new Authsignal({ apiSecretKey, apiUrl, retries: 0 });
const auth = "Basic " + Buffer.from(apiSecretKey + ":").toString("base64");

async function manage(method, path, body) {
  const res = await fetch(`${apiUrl}/management${path}`, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// enrolledUser returns a user id with a verified email authenticator, so
// that a CHALLENGE outcome becomes CHALLENGE_REQUIRED rather than ALLOW.
async function enrolledUser() {
  const userId = `rules-${randomUUID()}`;
  await authsignal.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "EMAIL_OTP", email: `${userId}@example.com` },
  });
  return userId;
}

test("each configured outcome shows as the track state", async () => {
  const userId = await enrolledUser();
  for (const [outcome, state] of [
    ["ALLOW", "ALLOW"],
    ["CHALLENGE", "CHALLENGE_REQUIRED"],
    ["REVIEW", "REVIEW_REQUIRED"],
    ["BLOCK", "BLOCK"],
  ]) {
    const action = `outcome-${outcome.toLowerCase()}-${randomUUID().slice(0, 8)}`;
    await manage("POST", "/action-configurations", { actionCode: action, defaultUserActionResult: outcome });
    const res = await authsignal.track({ userId, action });
    assert.equal(res.state, state, `outcome ${outcome}`);
    assert.deepEqual(res.ruleIds, []);
  }
});

test("the matching rule with the lowest priority number wins and is reported", async () => {
  const action = `rules-${randomUUID().slice(0, 8)}`;
  await manage("POST", "/action-configurations", { actionCode: action, defaultUserActionResult: "ALLOW" });
  await manage("POST", "/value-lists", {
    alias: `blocked-${action}`,
    name: "Blocked domains",
    itemType: "string",
    valueListItems: ["evil.example"],
  });
  const block = await manage("POST", `/action-configurations/${action}/rules`, {
    name: "Blocked domain",
    priority: 1,
    type: "BLOCK",
    conditions: { in_list: [{ var: "user.emailDomain" }, `blocked-${action}`] },
  });
  const review = await manage("POST", `/action-configurations/${action}/rules`, {
    name: "Big amount",
    priority: 5,
    type: "REVIEW",
    conditions: { ">": [{ var: "action.custom.amount" }, 1000] },
  });
  const challenge = await manage("POST", `/action-configurations/${action}/rules`, {
    name: "New device",
    priority: 10,
    type: "CHALLENGE",
    promptToEnrollVerificationMethods: ["PASSKEY"],
    conditions: { "==": [{ var: "device.isNew" }, true] },
  });

  const userId = await enrolledUser();
  // A first device is new: only the challenge rule matches.
  let res = await authsignal.track({ userId, action, attributes: { deviceId: "device-1" } });
  assert.equal(res.state, "CHALLENGE_REQUIRED");
  assert.deepEqual(res.ruleIds, [challenge.ruleId]);
  let got = await authsignal.getAction({ userId, action, idempotencyKey: res.idempotencyKey });
  assert.equal(got.priorityRuleId, challenge.ruleId);
  assert.deepEqual(got.rules.map((r) => r.ruleId), [challenge.ruleId]);

  // Same device again, big amount: the review rule.
  res = await authsignal.track({ userId, action, attributes: { deviceId: "device-1", custom: { amount: 5000 } } });
  assert.equal(res.state, "REVIEW_REQUIRED");
  assert.deepEqual(res.ruleIds, [review.ruleId]);

  // New device and big amount: both match, the lower priority number wins.
  res = await authsignal.track({ userId, action, attributes: { deviceId: "device-2", custom: { amount: 5000 } } });
  assert.equal(res.state, "REVIEW_REQUIRED");
  assert.deepEqual([...res.ruleIds].sort(), [review.ruleId, challenge.ruleId].sort());
  got = await authsignal.getAction({ userId, action, idempotencyKey: res.idempotencyKey });
  assert.equal(got.priorityRuleId, review.ruleId);

  // A blocked email domain beats everything.
  const blocked = `rules-${randomUUID()}`;
  await authsignal.enrollVerifiedAuthenticator({
    userId: blocked,
    attributes: { verificationMethod: "EMAIL_OTP", email: `x@evil.example` },
  });
  res = await authsignal.track({ userId: blocked, action, attributes: { deviceId: "d", custom: { amount: 5000 } } });
  assert.equal(res.state, "BLOCK");
  assert.equal(res.ruleIds.length, 3);
  got = await authsignal.getAction({ userId: blocked, action, idempotencyKey: res.idempotencyKey });
  assert.equal(got.priorityRuleId, block.ruleId);

  // An inactive rule no longer matches.
  await manage("PATCH", `/action-configurations/${action}/rules/${block.ruleId}`, { isActive: false });
  res = await authsignal.track({ userId: blocked, action, attributes: { deviceId: "d" } });
  assert.equal(res.state, "ALLOW");
  assert.deepEqual(res.ruleIds, []);
});
