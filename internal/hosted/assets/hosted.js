// Uplift hosted pages: capability reporting, the passkey ceremonies of the
// challenge and the uplift prompt, and the WebAuthn Signal API. Pages work
// without it where they can; with it, forms that lead to an uplift
// decision wait until the device's capabilities are reported.

const main = document.querySelector("main[data-token]");
const statusBox = document.querySelector("[data-status]");
let pending = null; // the AbortController of the ceremony in progress

// Popup mode: the browser SDK launched the flow in a frame of the app's
// page or in a window it opened. The server lists the tenant's origins;
// every message goes to each of them as its target origin, so the
// browser delivers it only if the parent (frame) or opener (window) is
// at one of them, never to any other site.
const popup = document.body.classList.contains("popup");
const appOrigins = (document.body.dataset.popupOrigins || "").split(" ").filter(Boolean);
const framed = window.parent !== window;

function tellApp(message) {
  const app = framed ? window.parent : window.opener;
  if (!app) return; // opened by hand: the close page says to close it
  for (const origin of appOrigins) app.postMessage(message, origin);
}

// In a frame, the SDK sizes the frame to the height it is sent, and shows
// it once it hears the page is ready.
if (popup && framed) {
  let last = 0;
  const sendHeight = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      tellApp({height});
    }
  };
  new ResizeObserver(sendHeight).observe(document.body);
  sendHeight();
  tellApp(JSON.stringify({event: "AUTHSIGNAL_READY"}));
}

// The close page hands the app its token and lets the SDK close the
// frame or window.
const closeBox = document.querySelector("[data-popup-close]");
if (popup && closeBox) {
  tellApp(JSON.stringify({event: "AUTHSIGNAL_CLOSE_POPUP", token: closeBox.dataset.popupClose}));
}

// say shows a message in the page's live region.
function say(message, isError) {
  if (!statusBox) return;
  statusBox.textContent = message;
  statusBox.classList.toggle("error", Boolean(isError));
  statusBox.hidden = false;
}

// post sends a JSON step of the flow with its token and CSRF field.
async function post(path, body) {
  const response = await fetch(popup ? path + "?mode=popup" : path, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-Uplift-CSRF": main.dataset.csrf},
    body: JSON.stringify({token: main.dataset.token, ...body}),
  });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = new Error(data.errorDescription || "The request failed.");
    err.code = data.error;
    err.next = data.next;
    throw err;
  }
  return data;
}

// settled runs fn and returns its value, or undefined if it throws:
// a capability that cannot be read is unknown, not false.
async function settled(fn) {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

async function readCapabilities() {
  const pkc = window.PublicKeyCredential;
  const caps = {publicKeyCredential: typeof pkc === "function"};
  if (!caps.publicKeyCredential) return caps;
  caps.isUserVerifyingPlatformAuthenticatorAvailable =
    await settled(() => pkc.isUserVerifyingPlatformAuthenticatorAvailable());
  if (typeof pkc.isConditionalMediationAvailable === "function") {
    caps.isConditionalMediationAvailable = await settled(() => pkc.isConditionalMediationAvailable());
  }
  if (typeof pkc.getClientCapabilities === "function") {
    caps.clientCapabilities = await settled(() => pkc.getClientCapabilities());
  }
  return caps;
}

// capabilitiesReported settles once this page has reported the device's
// capabilities (or failed to: the decision then treats them as unknown).
const capabilitiesReported = main && main.hasAttribute("data-report-capabilities")
  ? readCapabilities().then((capabilities) => post("/login/capabilities", {capabilities})).catch(() => {})
  : Promise.resolve();

// Base64url helpers, for browsers without the WebAuthn JSON methods.
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

function creationOptions(o) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(o);
  return {...o, challenge: fromB64url(o.challenge), user: {...o.user, id: fromB64url(o.user.id)},
    excludeCredentials: withIds(o.excludeCredentials)};
}

function requestOptions(o) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(o);
  return {...o, challenge: fromB64url(o.challenge), allowCredentials: withIds(o.allowCredentials)};
}

function credentialJSON(c) {
  if (typeof c.toJSON === "function") return c.toJSON();
  const r = c.response;
  const out = {id: c.id, rawId: toB64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(), response: {clientDataJSON: toB64url(r.clientDataJSON)}};
  if (r.attestationObject) {
    out.response.attestationObject = toB64url(r.attestationObject);
    out.response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    out.response.authenticatorData = toB64url(r.authenticatorData);
    out.response.signature = toB64url(r.signature);
    if (r.userHandle) out.response.userHandle = toB64url(r.userHandle);
  }
  return out;
}

// ceremonySignal aborts any ceremony still pending (a dangling request
// makes the next one fail) and returns the signal for a new one.
function ceremonySignal() {
  if (pending) pending.abort();
  pending = new AbortController();
  return pending.signal;
}

function busy(form, on) {
  for (const b of form.querySelectorAll("button")) b.disabled = on;
}

// Forms that lead to an uplift decision wait for the capability report.
for (const form of document.querySelectorAll("form[data-await-capabilities]")) {
  let ready = false;
  form.addEventListener("submit", (event) => {
    if (ready) return;
    event.preventDefault();
    const submitter = event.submitter;
    // A form cannot be submitted again while its submit event is still
    // being dispatched, so the submission waits for a new task.
    capabilitiesReported.finally(() => setTimeout(() => {
      ready = true;
      form.requestSubmit(submitter || undefined);
    }));
  });
}

async function signalAccepted(signal) {
  const pkc = window.PublicKeyCredential;
  if (!signal || !pkc || typeof pkc.signalAllAcceptedCredentials !== "function") return;
  await settled(() => pkc.signalAllAcceptedCredentials(signal));
}

async function signalUnknown(rpId, credentialId) {
  const pkc = window.PublicKeyCredential;
  if (!pkc || typeof pkc.signalUnknownCredential !== "function") return;
  await settled(() => pkc.signalUnknownCredential({rpId, credentialId}));
}

async function passkeySignIn(form) {
  busy(form, true);
  let rpId, credentialId;
  try {
    await capabilitiesReported;
    const opts = await post("/login/passkey/options", {});
    const publicKey = requestOptions(opts.options);
    rpId = opts.options.rpId;
    const cred = await navigator.credentials.get({publicKey, signal: ceremonySignal()});
    credentialId = cred.id;
    const res = await post("/login/passkey/verify", {challengeId: opts.challengeId, credential: credentialJSON(cred)});
    await signalAccepted(res.signal);
    window.location.assign(res.next);
  } catch (err) {
    busy(form, false);
    if (err.code === "unknown_credential") {
      await signalUnknown(rpId, credentialId);
      say("This passkey has been removed from your account. Use another method to sign in.", true);
    } else if (err.name === "NotAllowedError" || err.name === "AbortError") {
      say("Passkey sign-in was cancelled or timed out. Try again, or use another method.", true);
    } else {
      say("We couldn't sign you in with that passkey. Try again, or use another method.", true);
    }
  }
}

// promptOutcome names how the system's passkey dialog ended without a
// passkey: cancelled counts as "Not now"; InvalidStateError means this
// authenticator already holds one of the user's passkeys.
function promptOutcome(err) {
  if (err.name === "NotAllowedError" || err.name === "AbortError") return "dismissed";
  if (err.name === "InvalidStateError") return "exists";
  return "failed";
}

function gentleFailure(form, next) {
  form.hidden = true;
  say("We couldn't create a passkey this time. You can keep signing in as before and try again another time.");
  const more = document.querySelector("[data-continue]");
  if (more) {
    const link = more.querySelector("a");
    if (next) link.href = next;
    more.hidden = false;
    link.focus();
  }
}

async function createPasskey(form) {
  busy(form, true);
  let opts;
  try {
    opts = await post("/login/passkey/register/options", {});
  } catch (err) {
    return gentleFailure(form, err.next);
  }
  let cred;
  try {
    cred = await navigator.credentials.create({publicKey: creationOptions(opts.options), signal: ceremonySignal()});
  } catch (err) {
    const outcome = promptOutcome(err);
    try {
      const res = await post("/login/prompt/result", {outcome, cause: String(err.name || "")});
      if (outcome === "failed") return gentleFailure(form, res.next);
      return window.location.assign(res.next);
    } catch (reportErr) {
      return gentleFailure(form, reportErr.next);
    }
  }
  try {
    const res = await post("/login/passkey/register", {challengeId: opts.challengeId, credential: credentialJSON(cred)});
    window.location.assign(res.next);
  } catch (err) {
    gentleFailure(form, err.next);
  }
}

const signInForm = document.querySelector("form[data-passkey-signin]");
if (signInForm && window.PublicKeyCredential) {
  signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    passkeySignIn(signInForm);
  });
}

const promptForm = document.querySelector("form[data-uplift-prompt]");
if (promptForm && window.PublicKeyCredential) {
  promptForm.addEventListener("submit", (event) => {
    if (!event.submitter || event.submitter.value !== "create") return; // "Not now" posts as it is
    event.preventDefault();
    createPasskey(promptForm);
  });
}

// A confirmation continues to the app by itself after a moment; its
// Continue link goes at once.
const autoContinue = document.querySelector("[data-auto-continue]");
const nextLink = document.querySelector("a[data-next]");
if (autoContinue && nextLink) {
  setTimeout(() => window.location.assign(nextLink.href), Number(autoContinue.dataset.autoContinue) || 3000);
}

// The Passkeys page tells the credential manager which of the user's
// passkeys the server accepts, and forgets the one just removed.
const settingsSignal = document.querySelector("[data-signal-accepted]");
if (settingsSignal) {
  const {signalRp: rpId, signalUser: userId, signalAccepted: accepted, signalUnknown: removed} = settingsSignal.dataset;
  (async () => {
    if (removed) await signalUnknown(rpId, removed);
    await signalAccepted({rpId, userId, allAcceptedCredentialIds: accepted.split(" ").filter(Boolean)});
  })();
}

// "Add a passkey" on the Passkeys page creates one on this device.
async function addPasskey(form) {
  busy(form, true);
  try {
    const opts = await post("/login/passkeys/add/options", {});
    const cred = await navigator.credentials.create({publicKey: creationOptions(opts.options), signal: ceremonySignal()});
    const res = await post("/login/passkeys/add/verify", {challengeId: opts.challengeId, credential: credentialJSON(cred)});
    window.location.assign(res.next);
  } catch (err) {
    busy(form, false);
    if (err.name === "InvalidStateError") {
      say("This device already holds one of your passkeys.", true);
    } else if (err.name === "NotAllowedError" || err.name === "AbortError") {
      say("Adding a passkey was cancelled or timed out. You can try again.", true);
    } else {
      say("We couldn't add a passkey this time. You can try again later.", true);
    }
  }
}

const addForm = document.querySelector("form[data-passkey-add]");
if (addForm && window.PublicKeyCredential) {
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    addPasskey(addForm);
  });
}
