package ceremony_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

var (
	rp     = ceremony.RelyingParty{ID: "example.com", Name: "Example", Origins: []string{"https://app.example.com"}}
	signer = virtualwebauthn.RelyingParty{ID: "example.com", Name: "Example", Origin: "https://app.example.com"}
	handle = []byte("0123456789abcdef0123456789abcdef")
)

func user(ps ...model.Passkey) ceremony.User {
	return ceremony.User{Handle: handle, Name: "ada", DisplayName: "Ada", Passkeys: ps}
}

// registration begins a registration and answers it with a software
// authenticator, returning the session and the response.
func registration(t testing.TB, o ceremony.RegistrationOptions, auth virtualwebauthn.Authenticator, cred virtualwebauthn.Credential) (session, response []byte) {
	t.Helper()
	opts, session, err := ceremony.BeginRegistration(rp, user(), o)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	ao, err := virtualwebauthn.ParseAttestationOptions(string(opts))
	if err != nil {
		t.Fatal(err)
	}
	return session, []byte(virtualwebauthn.CreateAttestationResponse(signer, auth, cred, *ao))
}

func TestRegistrationAndLogin(t *testing.T) {
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: handle})
	cred := webauthntest.MustCredential()
	session, resp := registration(t, ceremony.RegistrationOptions{}, auth, cred)
	p, err := ceremony.FinishRegistration(rp, user(), session, resp, false)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	if string(p.CredentialID) != string(cred.ID) || len(p.PublicKey) == 0 || len(p.AAGUID) != 16 ||
		p.AttestationFormat != "packed" || !p.Flags.UserPresent || !p.Flags.UserVerified || len(p.AttestationObject) == 0 {
		t.Errorf("passkey = %+v", p)
	}

	for _, u := range []*ceremony.User{nil, ptr(user(p))} {
		opts, session, err := ceremony.BeginLogin(rp, u, model.UVRequired)
		if err != nil {
			t.Fatal(err)
		}
		ao, err := virtualwebauthn.ParseAssertionOptions(string(opts))
		if err != nil {
			t.Fatal(err)
		}
		cred.Counter++
		a, err := ceremony.ParseAssertion([]byte(virtualwebauthn.CreateAssertionResponse(signer, auth, cred, *ao)))
		if err != nil {
			t.Fatal(err)
		}
		login, err := ceremony.FinishLogin(rp, user(p), session, a)
		if err != nil {
			t.Fatalf("FinishLogin (user %v): %v", u != nil, err)
		}
		if login.Passkey.SignCount != cred.Counter || login.BackupEligibleChanged {
			t.Errorf("login = %+v", login)
		}
		p = login.Passkey
	}
}

func TestConditionalSessionSkipsPresence(t *testing.T) {
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserNotPresent: true, UserNotVerified: true})
	cred := webauthntest.MustCredential()
	session, resp := registration(t, ceremony.RegistrationOptions{Conditional: true, UserVerification: model.UVPreferred}, auth, cred)
	if _, err := ceremony.FinishRegistration(rp, user(), session, resp, false); err != nil {
		t.Errorf("conditional create without UP: %v", err)
	}
	session, resp = registration(t, ceremony.RegistrationOptions{UserVerification: model.UVPreferred}, auth, cred)
	if _, err := ceremony.FinishRegistration(rp, user(), session, resp, false); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("modal create without UP: err = %v, want ErrInvalid", err)
	}
}

func TestRegistrationOptionsAreChecked(t *testing.T) {
	for _, o := range []ceremony.RegistrationOptions{{Attachment: "usb"}, {Hints: []string{"bluetooth"}}} {
		if _, _, err := ceremony.BeginRegistration(rp, user(), o); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("BeginRegistration(%+v) err = %v, want ErrInvalid", o, err)
		}
	}
	opts, _, err := ceremony.BeginRegistration(rp, user(), ceremony.RegistrationOptions{Hints: []string{"client-device"}})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Hints                  []string
		AuthenticatorSelection map[string]any
	}
	json.Unmarshal(opts, &got)
	if len(got.Hints) != 1 || got.AuthenticatorSelection["authenticatorAttachment"] != "platform" {
		t.Errorf("options = %s", opts)
	}
}

func ptr[T any](v T) *T { return &v }

// checkClientError fails unless err is a model.Error a client may see.
func checkClientError(t *testing.T, err error) {
	t.Helper()
	var me *model.Error
	if !errors.As(err, &me) || !(errors.Is(err, model.ErrInvalid) || errors.Is(err, model.ErrForbidden)) || me.Description == "" {
		t.Fatalf("error %v (%T) is not a client error", err, err)
	}
}

// FuzzFinishRegistration feeds arbitrary registration responses, seeded
// with a valid one and malformed CBOR, to FinishRegistration: it must
// never panic, and every failure must be a client (4xx) error.
func FuzzFinishRegistration(f *testing.F) {
	auth := virtualwebauthn.NewAuthenticator()
	cred := webauthntest.MustCredential()
	session, resp := registration(f, ceremony.RegistrationOptions{}, auth, cred)
	f.Add(resp)
	f.Add([]byte(`{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oWNmbXRkbm9uZQ"}}`))
	f.Add([]byte(`{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"__8"}}`))
	f.Add([]byte(`{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"o2NmbXRmcGFja2VkZ2F0dFN0bXSgaGF1dGhEYXRhQQA"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := ceremony.FinishRegistration(rp, user(), session, body, false)
		if err != nil {
			checkClientError(t, err)
		}
	})
}

// FuzzFinishLogin does the same for sign-in responses.
func FuzzFinishLogin(f *testing.F) {
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: handle})
	cred := webauthntest.MustCredential()
	session, resp := registration(f, ceremony.RegistrationOptions{}, auth, cred)
	p, err := ceremony.FinishRegistration(rp, user(), session, resp, false)
	if err != nil {
		f.Fatal(err)
	}
	opts, loginSession, err := ceremony.BeginLogin(rp, nil, model.UVRequired)
	if err != nil {
		f.Fatal(err)
	}
	ao, _ := virtualwebauthn.ParseAssertionOptions(string(opts))
	cred.Counter = 1
	f.Add([]byte(virtualwebauthn.CreateAssertionResponse(signer, auth, cred, *ao)))
	f.Add([]byte(`{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ceremony.ParseAssertion(body)
		if err == nil {
			_, err = ceremony.FinishLogin(rp, user(p), loginSession, a)
		}
		if err != nil {
			checkClientError(t, err)
		}
	})
}

// crossOrigin rewrites a software authenticator's assertion as a browser
// sends it from a frame whose top-level page is at top, signed again
// with the credential's key.
func crossOrigin(t *testing.T, assertion string, key *ecdsa.PrivateKey, top string) []byte {
	t.Helper()
	var a struct {
		ID       string `json:"id"`
		RawID    string `json:"rawId"`
		Type     string `json:"type"`
		Response struct {
			AuthenticatorData string `json:"authenticatorData"`
			ClientDataJSON    string `json:"clientDataJSON"`
			Signature         string `json:"signature"`
			UserHandle        string `json:"userHandle,omitempty"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(assertion), &a); err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding
	raw, err := b64.DecodeString(a.Response.ClientDataJSON)
	if err != nil {
		t.Fatal(err)
	}
	var cd map[string]any
	if err := json.Unmarshal(raw, &cd); err != nil {
		t.Fatal(err)
	}
	cd["crossOrigin"], cd["topOrigin"] = true, top
	raw, _ = json.Marshal(cd)
	authData, err := b64.DecodeString(a.Response.AuthenticatorData)
	if err != nil {
		t.Fatal(err)
	}
	clientHash := sha256.Sum256(raw)
	digest := sha256.Sum256(append(authData, clientHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	a.Response.ClientDataJSON, a.Response.Signature = b64.EncodeToString(raw), b64.EncodeToString(sig)
	out, _ := json.Marshal(a)
	return out
}

// A sign-in from a frame counts only when the page around the frame is
// at one of the relying party's origins: the hosted pages framed by the
// tenant's app, never by another site.
func TestCrossOriginLoginNeedsAKnownTopOrigin(t *testing.T) {
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: handle})
	cred, key, err := webauthntest.NewCredential()
	if err != nil {
		t.Fatal(err)
	}
	session, resp := registration(t, ceremony.RegistrationOptions{}, auth, cred)
	p, err := ceremony.FinishRegistration(rp, user(), session, resp, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		top string
		ok  bool
	}{
		{"https://app.example.com", true},
		{"https://evil.example.net", false},
		{"https://app.example.com.evil.net", false},
	} {
		opts, session, err := ceremony.BeginLogin(rp, ptr(user(p)), model.UVRequired)
		if err != nil {
			t.Fatal(err)
		}
		ao, err := virtualwebauthn.ParseAssertionOptions(string(opts))
		if err != nil {
			t.Fatal(err)
		}
		cred.Counter++
		a, err := ceremony.ParseAssertion(crossOrigin(t, virtualwebauthn.CreateAssertionResponse(signer, auth, cred, *ao), key, tt.top))
		if err != nil {
			t.Fatal(err)
		}
		login, err := ceremony.FinishLogin(rp, user(p), session, a)
		if tt.ok && err != nil {
			t.Errorf("framed by %s: %v, want a sign-in", tt.top, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("framed by %s: signed in, want a refusal", tt.top)
		}
		if err == nil {
			p = login.Passkey
		}
	}
}
