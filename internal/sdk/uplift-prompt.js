// <uplift-passkey-prompt base-url="https://uplift.example.com" token="…">
//
// Uplift's passkey prompt for an app's own pages, as an ES module with no
// dependencies. It asks Uplift's Client API whether to show the prompt to
// the token's user on this device, renders nothing when the answer is no,
// and otherwise offers to create a passkey here, with the hosted pages'
// accessible names. It runs no inline script and adds no inline style (its
// stylesheet is a constructed one), so it works under a strict
// Content-Security-Policy.
//
// Attributes: base-url and token (required: Uplift's URL and a token from
// track), device-id (default: the token's device, else the browser SDK's
// anonymous id, else one kept in this origin's storage), locale (default:
// the action's, then the user's, then the browser's), heading-level (1 to 6, default 2),
// theme (light or dark; default: the system's).
//
// Events (bubbling, composed): uplift:accepted (detail: userAuthenticatorId,
// userId), uplift:dismissed (detail: reason, "not_now", "cancelled" or
// "opted_out"), uplift:hidden (detail: reason, the decision's reason code or
// "error", "passkey_on_device", "failed"; with cause where one is known).
// Its text comes with the decision, in the user's language.
//
// Styling: the custom properties --uplift-font-family, --uplift-background,
// --uplift-foreground, --uplift-muted, --uplift-border, --uplift-accent,
// --uplift-accent-foreground, --uplift-focus, --uplift-radius, and the
// parts prompt, heading, body, details, summary, actions, button, primary,
// secondary, later, status.

const CSS = `
:host {
  display: block;
  --_bg: var(--uplift-background, #ffffff);
  --_fg: var(--uplift-foreground, #1b1f24);
  --_muted: var(--uplift-muted, #4d5560);
  --_border: var(--uplift-border, #c9ced6);
  --_accent: var(--uplift-accent, #1f5fbf);
  --_accent-fg: var(--uplift-accent-foreground, #ffffff);
  --_focus: var(--uplift-focus, #0b3d91);
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) {
    --_bg: var(--uplift-background, #1c1f24);
    --_fg: var(--uplift-foreground, #eef1f5);
    --_muted: var(--uplift-muted, #b8bfc9);
    --_border: var(--uplift-border, #454c57);
    --_accent: var(--uplift-accent, #8db5ff);
    --_accent-fg: var(--uplift-accent-foreground, #0b1a33);
    --_focus: var(--uplift-focus, #c4d9ff);
    color-scheme: dark;
  }
}
:host([theme="dark"]) {
  --_bg: var(--uplift-background, #1c1f24);
  --_fg: var(--uplift-foreground, #eef1f5);
  --_muted: var(--uplift-muted, #b8bfc9);
  --_border: var(--uplift-border, #454c57);
  --_accent: var(--uplift-accent, #8db5ff);
  --_accent-fg: var(--uplift-accent-foreground, #0b1a33);
  --_focus: var(--uplift-focus, #c4d9ff);
  color-scheme: dark;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[part~="prompt"] {
  font-family: var(--uplift-font-family, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  color: var(--_fg); background: var(--_bg); border: 1px solid var(--_border);
  border-radius: var(--uplift-radius, 12px); padding: 1.25rem; max-width: 32rem; line-height: 1.5;
}
[part~="heading"] { font-size: 1.25rem; line-height: 1.3; margin: 0 0 .5rem; }
[part~="body"] { margin: 0 0 1rem; color: var(--_fg); }
[part~="actions"] { display: flex; flex-wrap: wrap; gap: .75rem; }
[part~="button"] {
  flex: 1 1 10rem; font: inherit; font-weight: 600; min-height: 2.75rem; padding: .6rem 1rem;
  border-radius: calc(var(--uplift-radius, 12px) * .67); border: 1px solid var(--_accent); cursor: pointer;
}
[part~="primary"] { background: var(--_accent); color: var(--_accent-fg); }
[part~="secondary"] { background: transparent; color: var(--_accent); }
[part~="button"]:disabled { opacity: .6; cursor: progress; }
[part~="button"]:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
[part~="details"] { margin: 0 0 1rem; }
[part~="summary"] { cursor: pointer; color: var(--_accent); font-weight: 600; padding-block: .5rem; }
[part~="summary"]:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
[part~="details"] p { margin: .25rem 0 0; }
[part~="later"], [part~="status"] { margin: .75rem 0 0; color: var(--_muted); font-size: .95em; }
[part~="status"] { color: var(--_fg); }
[part~="later"]:empty, [part~="status"]:empty { display: none; }
@media (prefers-reduced-motion: no-preference) { [part~="button"] { transition: background-color .15s; } }
`;

let sheet = null;

// styles is the component's stylesheet, made once and shared by every
// instance. A constructed stylesheet is no inline style for the page's CSP.
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

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

function creationOptions(o) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(o);
  return {...o, challenge: fromB64url(o.challenge), user: {...o.user, id: fromB64url(o.user.id)},
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({...c, id: fromB64url(c.id)}))};
}

function credentialJSON(c) {
  if (typeof c.toJSON === "function") return c.toJSON();
  const r = c.response;
  return {id: c.id, rawId: toB64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(),
    response: {clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject),
      transports: typeof r.getTransports === "function" ? r.getTransports() : []}};
}

// settled runs fn and returns its value, or undefined if it throws: a
// capability that cannot be read is unknown, not false.
async function settled(fn) {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

// readCapabilities is what the hosted pages report of a device.
async function readCapabilities() {
  const pkc = window.PublicKeyCredential;
  const caps = {publicKeyCredential: typeof pkc === "function"};
  if (!caps.publicKeyCredential) return caps;
  const uvpa = await settled(() => pkc.isUserVerifyingPlatformAuthenticatorAvailable());
  if (typeof uvpa === "boolean") caps.isUserVerifyingPlatformAuthenticatorAvailable = uvpa;
  if (typeof pkc.isConditionalMediationAvailable === "function") {
    const cm = await settled(() => pkc.isConditionalMediationAvailable());
    if (typeof cm === "boolean") caps.isConditionalMediationAvailable = cm;
  }
  if (typeof pkc.getClientCapabilities === "function") {
    const cc = await settled(() => pkc.getClientCapabilities());
    if (cc && typeof cc === "object") caps.clientCapabilities = cc;
  }
  return caps;
}

// tokenDevice is the device id the token was tracked with, if any. The
// token is only read here; Uplift checks it.
function tokenDevice(token) {
  try {
    const payload = JSON.parse(new TextDecoder().decode(fromB64url(token.split(".")[1])));
    return (payload.other && payload.other.deviceId) || "";
  } catch {
    return "";
  }
}

const storageKey = "uplift.deviceId";

// anonymousDevice is the browser SDK's anonymous id when the page has it,
// else an id this component keeps in the origin's storage.
function anonymousDevice() {
  const m = document.cookie.match(/(?:^|;\s*)__as_aid=([^;]+)/);
  if (m) return decodeURIComponent(m[1]);
  try {
    let id = localStorage.getItem(storageKey);
    if (!id) {
      id = crypto.randomUUID ? crypto.randomUUID() : toB64url(crypto.getRandomValues(new Uint8Array(16)));
      localStorage.setItem(storageKey, id);
    }
    return id;
  } catch {
    return "";
  }
}

class PromptError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

const cancelled = new Set(["NotAllowedError", "AbortError"]);

export class UpliftPasskeyPrompt extends HTMLElement {
  static get observedAttributes() {
    return ["base-url", "token"];
  }

  constructor() {
    super();
    this.attachShadow({mode: "open"});
    this.shadowRoot.adoptedStyleSheets = [styles()];
    this.run = 0; // the current run; a newer token starts another
  }

  connectedCallback() {
    this.start();
  }

  attributeChangedCallback(name, before, after) {
    if (before !== after && this.isConnected) this.start();
  }

  // start asks for a decision once both attributes are set, and again
  // whenever one of them changes.
  start() {
    const base = (this.getAttribute("base-url") || "").replace(/\/+$/, "");
    const token = this.getAttribute("token") || "";
    if (!base || !token) return;
    const key = base + " " + token;
    if (key === this.key) return;
    this.key = key;
    this.run++;
    this.base = base;
    this.token = token;
    this.decide(this.run);
  }

  // post sends a Client API call with the token and returns its JSON.
  async post(path, body) {
    const response = await fetch(this.base + path, {
      method: "POST", credentials: "omit", mode: "cors",
      headers: {"Authorization": "Bearer " + this.token, "Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (!response.ok) throw new PromptError(data.errorDescription || "Uplift answered " + response.status, data.error || "error");
    return data;
  }

  // report tells Uplift what became of the prompt.
  report(event, cause) {
    const body = {event, deviceId: this.deviceId, surface: "component"};
    if (cause) body.cause = cause;
    return this.post("/v1/client/uplift/events", body);
  }

  async decide(run) {
    this.clear();
    let decision;
    try {
      this.deviceId = this.getAttribute("device-id") || tokenDevice(this.token) || anonymousDevice();
      const body = {deviceId: this.deviceId, capabilities: await readCapabilities(), surface: "component"};
      const locale = this.getAttribute("locale");
      if (locale) body.locale = locale;
      decision = await this.post("/v1/client/uplift/decision", body);
    } catch (err) {
      if (run !== this.run) return;
      if (err.code === "not_authenticated") return this.hide("not_authenticated");
      this.hide("error", err.code);
      return;
    }
    if (run !== this.run) return;
    this.deviceId = decision.deviceId;
    if (!decision.show) return this.hide(decision.reason);
    this.render(decision.copy);
    this.shown = this.report("shown").catch(() => {});
  }

  clear() {
    this.shadowRoot.replaceChildren();
    this.hidden = false;
  }

  // hide renders nothing and says why.
  hide(reason, cause) {
    this.shadowRoot.replaceChildren();
    this.hidden = true;
    const detail = {reason};
    if (cause) detail.cause = cause;
    this.fire("hidden", detail);
  }

  fire(name, detail) {
    this.dispatchEvent(new CustomEvent("uplift:" + name, {bubbles: true, composed: true, detail}));
  }

  el(tag, part, text) {
    const e = document.createElement(tag);
    if (part) e.setAttribute("part", part);
    if (text) e.textContent = text;
    return e;
  }

  button(label, part, onClick) {
    const b = this.el("button", "button " + part, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  render(copy) {
    this.copy = copy;
    const level = Math.min(6, Math.max(1, parseInt(this.getAttribute("heading-level"), 10) || 2));
    const section = this.el("section", "prompt");
    this.heading = this.el("h" + level, "heading", copy.heading);
    this.heading.id = "uplift-heading";
    section.setAttribute("aria-labelledby", this.heading.id);
    section.lang = copy.language || "";
    section.dir = copy.dir || "auto";
    this.body = this.el("p", "body", copy.body);
    const details = this.el("details", "details");
    details.append(this.el("summary", "summary", copy.whatIs), this.el("p", "", copy.whatIsBody));
    this.later = this.el("p", "later", copy.later);
    this.later.id = "uplift-later";
    const notNow = this.button(copy.dismiss, "secondary", () => this.dismiss("not_now"));
    if (copy.later) notNow.setAttribute("aria-describedby", this.later.id);
    this.actions = this.el("div", "actions");
    this.actions.append(this.button(copy.create, "primary", () => this.create()), notNow);
    if (copy.optOut) this.actions.append(this.button(copy.optOut, "secondary", () => this.dismiss("opted_out")));
    this.status = this.el("p", "status");
    this.status.setAttribute("role", "status");
    section.append(this.heading, this.body, details, this.actions, this.later, this.status);
    this.shadowRoot.replaceChildren(section);
  }

  busy(on) {
    for (const b of this.actions.querySelectorAll("button")) b.disabled = on;
  }

  // dismiss records "Not now", a cancelled system dialog or "Don't ask
  // again" before it says so, so that the next decision honours it.
  async dismiss(reason) {
    this.busy(true);
    await this.shown;
    try {
      await this.report(reason === "opted_out" ? "opted_out" : "dismissed");
    } catch (err) {
      this.busy(false);
      this.status.textContent = this.copy.requestFailed;
      return;
    }
    this.shadowRoot.replaceChildren();
    this.hidden = true;
    this.fire("dismissed", {reason});
  }

  async create() {
    this.busy(true);
    this.status.textContent = this.copy.working;
    await this.shown;
    let options;
    try {
      options = await this.post("/v1/client/user-authenticators/passkey/registration-options",
        {authenticatorAttachment: "platform", hints: ["client-device"]});
    } catch (err) {
      return this.fail(err.code);
    }
    let credential;
    try {
      credential = await navigator.credentials.create({publicKey: creationOptions(options.options)});
    } catch (err) {
      const name = String((err && err.name) || "UnknownError");
      if (cancelled.has(name)) return this.dismiss("cancelled");
      await this.report("failed", /^[A-Za-z]{1,40}$/.test(name) ? name : "UnknownError").catch(() => {});
      // This authenticator already holds one of the user's passkeys:
      // Uplift now knows, and stops asking on this device.
      if (name === "InvalidStateError") return this.hide("passkey_on_device");
      return this.fail(name, true);
    }
    let added;
    try {
      added = await this.post("/v1/client/user-authenticators/passkey",
        {challengeId: options.challengeId, registrationCredential: credentialJSON(credential), deviceId: this.deviceId});
    } catch (err) {
      return this.fail(err.code);
    }
    this.heading.textContent = this.copy.created;
    this.body.remove();
    this.end(this.copy.createdBody);
    this.fire("accepted", {userAuthenticatorId: added.userAuthenticatorId, userId: added.userId});
  }

  // fail says the passkey could not be made, after reporting why unless
  // that is done already.
  async fail(cause, reported) {
    cause = /^[A-Za-z0-9_.:-]{1,64}$/.test(cause || "") ? cause : "error";
    if (!reported) await this.report("failed", cause).catch(() => {});
    this.end(this.copy.failed, () => this.hide("failed", cause));
  }

  // end replaces the buttons with a message and a Continue button, which
  // takes the focus the pressed button had and ends the prompt.
  end(message, onContinue) {
    this.status.textContent = message;
    this.later.textContent = "";
    const next = this.button(this.copy.continue, "secondary", () => {
      if (onContinue) return onContinue();
      this.shadowRoot.replaceChildren();
      this.hidden = true;
    });
    this.actions.replaceChildren(next);
    next.focus();
  }
}

if (!customElements.get("uplift-passkey-prompt")) {
  customElements.define("uplift-passkey-prompt", UpliftPasskeyPrompt);
}
