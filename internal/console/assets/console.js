// Uplift console: the passkey ceremonies of sign-in and invitations, and
// the rule condition builder. Every other page works without script.

const statusBox = document.querySelector("[data-status]");

// say shows a message in the page's live region.
function say(message, isError) {
  if (!statusBox) return;
  statusBox.textContent = message;
  statusBox.classList.toggle("error", Boolean(isError));
  statusBox.hidden = false;
}

// postJSON sends one JSON step and returns the answer, or throws with the
// server's description.
async function postJSON(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.errorDescription || "The request failed.");
  return data;
}

function fromB64url(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
}

function toB64url(buf) {
  let s = "";
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(list) {
  return (list || []).map((c) => ({...c, id: fromB64url(c.id)}));
}

// credentialJSON turns a credential into its JSON form, for browsers
// without PublicKeyCredential.prototype.toJSON.
function credentialJSON(cred) {
  if (typeof cred.toJSON === "function") return cred.toJSON();
  const r = cred.response;
  const response = {clientDataJSON: toB64url(r.clientDataJSON)};
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return {id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response,
    authenticatorAttachment: cred.authenticatorAttachment || undefined, clientExtensionResults: {}};
}

async function getCredential(options) {
  const pkc = window.PublicKeyCredential;
  const publicKey = typeof pkc.parseRequestOptionsFromJSON === "function"
    ? pkc.parseRequestOptionsFromJSON(options)
    : {...options, challenge: fromB64url(options.challenge), allowCredentials: withIds(options.allowCredentials)};
  return navigator.credentials.get({publicKey});
}

async function createCredential(options) {
  const pkc = window.PublicKeyCredential;
  const publicKey = typeof pkc.parseCreationOptionsFromJSON === "function"
    ? pkc.parseCreationOptionsFromJSON(options)
    : {...options, challenge: fromB64url(options.challenge), user: {...options.user, id: fromB64url(options.user.id)},
      excludeCredentials: withIds(options.excludeCredentials)};
  return navigator.credentials.create({publicKey});
}

function ceremonyError(err) {
  if (err && err.name === "NotAllowedError") return "The passkey request was cancelled or timed out. Try again.";
  return (err && err.message) || "Something went wrong. Try again.";
}

function noWebAuthn(button) {
  if (typeof window.PublicKeyCredential === "function") return false;
  say("This browser cannot use passkeys. Open the console in a current browser.", true);
  if (button) button.disabled = true;
  return true;
}

const signInButton = document.querySelector("[data-console-signin]");
if (signInButton && !noWebAuthn(signInButton)) {
  signInButton.addEventListener("click", async () => {
    signInButton.disabled = true;
    say("Waiting for your passkey…");
    try {
      const start = await postJSON("/console/signin/options", {});
      const cred = await getCredential(start.options.publicKey || start.options);
      const done = await postJSON("/console/signin/verify",
        {ceremonyId: start.ceremonyId, response: credentialJSON(cred), next: signInButton.dataset.next});
      say("Signed in.");
      window.location.assign(done.next);
    } catch (err) {
      say(ceremonyError(err), true);
      signInButton.disabled = false;
    }
  });
}

const inviteForm = document.querySelector("[data-console-invite]");
if (inviteForm && !noWebAuthn(inviteForm.querySelector("button"))) {
  inviteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = inviteForm.querySelector("button");
    const base = "/console/invite/" + encodeURIComponent(inviteForm.dataset.token);
    button.disabled = true;
    say("Creating your passkey…");
    try {
      const start = await postJSON(base + "/options", {name: inviteForm.elements.name.value});
      const cred = await createCredential(start.options.publicKey || start.options);
      const done = await postJSON(base + "/register", {ceremonyId: start.ceremonyId, response: credentialJSON(cred)});
      say("Passkey created. Signing you in…");
      window.location.assign(done.next);
    } catch (err) {
      say(ceremonyError(err), true);
      button.disabled = false;
    }
  });
}
