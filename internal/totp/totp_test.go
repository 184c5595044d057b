package totp

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	pqtotp "github.com/pquerna/otp/totp"
	"github.com/uplift-dev/uplift/internal/puretest"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B, "12345678901234567890".
var rfcSecret = b32.EncodeToString([]byte("12345678901234567890"))

func TestRFC6238Vectors(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	key := []byte("12345678901234567890")
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.unix), func(t *testing.T) {
			got := hotp(key, uint64(Step(time.Unix(tt.unix, 0))), 8)
			if got != tt.want {
				t.Errorf("TOTP at %d = %s, want %s", tt.unix, got, tt.want)
			}
			six, err := CodeAt(rfcSecret, time.Unix(tt.unix, 0))
			if err != nil {
				t.Fatalf("CodeAt: %v", err)
			}
			if want := tt.want[2:]; six != want {
				t.Errorf("CodeAt(%d) = %s, want the last six digits %s", tt.unix, six, want)
			}
		})
	}
}

func TestRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	key := []byte("12345678901234567890")
	for counter, w := range want {
		if got := hotp(key, uint64(counter), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", counter, got, w)
		}
	}
}

// TestCodeAtMatchesLibrary cross-checks our computation with
// github.com/pquerna/otp over a spread of times.
func TestCodeAtMatchesLibrary(t *testing.T) {
	secret := b32.EncodeToString([]byte("another secret of twenty"))
	for unix := int64(0); unix < 4_000_000_000; unix += 97_654_321 {
		at := time.Unix(unix, 0)
		got, err := CodeAt(secret, at)
		if err != nil {
			t.Fatalf("CodeAt: %v", err)
		}
		want, err := pqtotp.GenerateCode(secret, at)
		if err != nil {
			t.Fatalf("pquerna GenerateCode: %v", err)
		}
		if got != want {
			t.Errorf("CodeAt(%d) = %s, want %s", unix, got, want)
		}
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := Step(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("Step(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

var now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func TestValidate(t *testing.T) {
	codeAt := func(d time.Duration) string {
		code, err := CodeAt(rfcSecret, now.Add(d))
		if err != nil {
			t.Fatalf("CodeAt: %v", err)
		}
		return code
	}
	current := Step(now)
	tests := []struct {
		name     string
		secret   string
		code     string
		lastStep int64
		wantStep int64
		wantErr  error
	}{
		{"current step", rfcSecret, codeAt(0), 0, current, nil},
		{"one step behind", rfcSecret, codeAt(-Period), 0, current - 1, nil},
		{"one step ahead", rfcSecret, codeAt(Period), 0, current + 1, nil},
		{"two steps behind", rfcSecret, codeAt(-2 * Period), 0, 0, ErrInvalidCode},
		{"two steps ahead", rfcSecret, codeAt(2 * Period), 0, 0, ErrInvalidCode},
		{"wrong code", rfcSecret, "000000", 0, 0, ErrInvalidCode},
		{"too short", rfcSecret, codeAt(0)[:5], 0, 0, ErrInvalidCode},
		{"too long", rfcSecret, codeAt(0) + "0", 0, 0, ErrInvalidCode},
		{"not digits", rfcSecret, "12a456", 0, 0, ErrInvalidCode},
		{"lower-case secret with spaces", strings.ToLower(rfcSecret[:8] + " " + rfcSecret[8:]), codeAt(0), 0, current, nil},
		{"bad secret", "not base32!", codeAt(0), 0, 0, ErrInvalidSecret},
		{"empty secret", "", codeAt(0), 0, 0, ErrInvalidSecret},
		{"replay of the step used", rfcSecret, codeAt(0), current, 0, ErrReplayed},
		{"an earlier step after a later one", rfcSecret, codeAt(-Period), current, 0, ErrReplayed},
		{"the step after the one used", rfcSecret, codeAt(Period), current, current + 1, nil},
		{"current step after the previous one", rfcSecret, codeAt(0), current - 1, current, nil},
		{"replay of a future step", rfcSecret, codeAt(Period), current + 1, 0, ErrReplayed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Validate(tt.secret, tt.code, now, tt.lastStep)
			if !errors.Is(err, tt.wantErr) || got != tt.wantStep {
				t.Errorf("Validate = %d, %v; want %d, %v", got, err, tt.wantStep, tt.wantErr)
			}
		})
	}
}

// TestValidateReplay uses one code twice, storing the step as a caller
// would, and then the next step's code.
func TestValidateReplay(t *testing.T) {
	code, err := CodeAt(rfcSecret, now)
	if err != nil {
		t.Fatalf("CodeAt: %v", err)
	}
	step, err := Validate(rfcSecret, code, now, 0)
	if err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := Validate(rfcSecret, code, now.Add(10*time.Second), step); !errors.Is(err, ErrReplayed) {
		t.Errorf("second use: %v, want ErrReplayed", err)
	}
	next, err := CodeAt(rfcSecret, now.Add(Period))
	if err != nil {
		t.Fatalf("CodeAt: %v", err)
	}
	if got, err := Validate(rfcSecret, next, now.Add(Period), step); err != nil || got != step+1 {
		t.Errorf("next step = %d, %v; want %d, nil", got, err, step+1)
	}
}

func TestNewKey(t *testing.T) {
	r := bytes.NewReader(bytes.Repeat([]byte{0xA5}, SecretSize))
	key, err := NewKey(r, "Acme Corp", "alice@example.com")
	if err != nil {
		t.Fatalf("NewKey: %v", err)
	}
	if want := b32.EncodeToString(bytes.Repeat([]byte{0xA5}, SecretSize)); key.Secret != want {
		t.Errorf("Secret = %q, want %q", key.Secret, want)
	}
	u, err := url.Parse(key.URI)
	if err != nil {
		t.Fatalf("URI %q: %v", key.URI, err)
	}
	q := u.Query()
	got := []string{u.Scheme, u.Host, u.Path, q.Get("secret"), q.Get("issuer"), q.Get("algorithm"), q.Get("digits"), q.Get("period")}
	want := []string{"otpauth", "totp", "/Acme Corp:alice@example.com", key.Secret, "Acme Corp", "SHA1", "6", "30"}
	if !slices.Equal(got, want) {
		t.Errorf("URI %q parts = %q, want %q", key.URI, got, want)
	}

	// A code computed from the new secret validates.
	code, err := CodeAt(key.Secret, now)
	if err != nil {
		t.Fatalf("CodeAt: %v", err)
	}
	if _, err := Validate(key.Secret, code, now, 0); err != nil {
		t.Errorf("Validate with a new key: %v", err)
	}

	if _, err := NewKey(bytes.NewReader(nil), "Acme", "alice"); err == nil {
		t.Error("NewKey with no randomness succeeded")
	}
	if _, err := NewKey(r, "", "alice"); err == nil {
		t.Error("NewKey with no issuer succeeded")
	}
}

func TestQRPNG(t *testing.T) {
	key, err := NewKey(bytes.NewReader(make([]byte, SecretSize)), "Acme", "alice@example.com")
	if err != nil {
		t.Fatalf("NewKey: %v", err)
	}
	data, err := key.QRPNG(256)
	if err != nil {
		t.Fatalf("QRPNG: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR image is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
	if _, err := (Key{}).QRPNG(256); err == nil {
		t.Error("QRPNG on a zero Key succeeded")
	}
}

// TestPackageIsPure proves the package does no I/O; outside the standard
// library it uses only the TOTP library and its QR encoder.
func TestPackageIsPure(t *testing.T) {
	puretest.Check(t, "github.com/uplift-dev/uplift/internal/totp",
		[]string{"github.com/pquerna/otp", "github.com/boombuler/barcode"})
}
