package managementapi_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// testPNG encodes a w×h PNG; noise makes it incompressible.
func testPNG(t *testing.T, w, h int, noise bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(7)
	for i := range img.Pix {
		if noise {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			img.Pix[i] = byte(x)
		}
	}
	img.Set(0, 0, color.RGBA{0x0b, 0x6e, 0x4f, 0xff})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// get fetches a path of the browser's routes (the images and stylesheet
// the pages link).
func get(e *apitest.Env, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return rec
}

func TestTheme(t *testing.T) {
	e := apitest.New(t)
	shop, key := e.Tenant("Shop")
	other, otherKey := e.Tenant("Other")

	got := e.Do(key, "GET", base+"/theme", nil).MustOK(t)
	if got.Str("name") != "" || got.Str("primaryColor") != "" || got.Str("logoUrl") != "" || got.Str("faviconUrl") != "" {
		t.Errorf("default theme: %s", got.Body)
	}
	logo := testPNG(t, 240, 60, false)
	up := e.Do(key, "PATCH", base+"/theme", map[string]any{
		"name": "Shop & Co", "primaryColor": "#0B6E4F",
		"logo":    map[string]any{"contentType": "image/png", "data": b64(logo)},
		"favicon": map[string]any{"contentType": "image/png", "data": b64(testPNG(t, 32, 32, false))},
	}).MustOK(t)
	dark, _ := up.JSON["darkMode"].(map[string]any)
	logoURL := up.Str("logoUrl")
	if up.Str("name") != "Shop & Co" || up.Str("primaryColor") != "#0b6e4f" || dark["primaryColor"] == "" || dark["primaryColor"] == "#0b6e4f" ||
		!strings.HasPrefix(logoURL, "http://localhost:8080/login/brand/"+shop.ID+"/logo?v=") ||
		!strings.HasPrefix(up.Str("faviconUrl"), "http://localhost:8080/login/brand/"+shop.ID+"/favicon?v=") {
		t.Fatalf("after PATCH: %s", up.Body)
	}
	if again := e.Do(key, "GET", base+"/theme", nil).MustOK(t); string(again.Body) != string(up.Body) {
		t.Errorf("GET after PATCH differs:\n%s\n%s", again.Body, up.Body)
	}

	// Uplift serves the logo itself, typed, unsniffable, cacheable.
	path := strings.TrimPrefix(logoURL, "http://localhost:8080")
	res := get(e, path)
	h := res.Header()
	if res.Code != 200 || !bytes.Equal(res.Body.Bytes(), logo) || h.Get("Content-Type") != "image/png" ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Cache-Control"), "immutable") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("GET %s: %d %v", path, res.Code, h)
	}
	if res := get(e, path, "If-None-Match", h.Get("ETag")); res.Code != http.StatusNotModified {
		t.Errorf("GET with If-None-Match: %d, want 304", res.Code)
	}
	if res := get(e, "/login/brand/"+shop.ID+"/logo"); res.Code != 200 || res.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("GET of the unversioned logo: %d %v", res.Code, res.Header())
	}
	css := get(e, "/login/brand/"+shop.ID+"/theme.css")
	if css.Code != 200 || !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") ||
		!strings.Contains(css.Body.String(), "--brand: #0b6e4f;") || !strings.Contains(css.Body.String(), "--brand-dark: "+dark["primaryColor"].(string)) {
		t.Errorf("theme.css: %d %s", css.Code, css.Body)
	}
	// Another tenant's key changes that tenant's theme only.
	e.Do(otherKey, "PATCH", base+"/theme", map[string]any{"name": "Evil", "logo": nil, "favicon": nil, "primaryColor": "#000000"}).MustOK(t)
	if mine := e.Do(key, "GET", base+"/theme", nil).MustOK(t); string(mine.Body) != string(up.Body) {
		t.Errorf("another tenant's PATCH changed this theme: %s", mine.Body)
	}
	if o := e.Do(otherKey, "GET", base+"/theme", nil).MustOK(t); o.Str("name") != "Evil" || o.Str("logoUrl") != "" {
		t.Errorf("the other tenant's theme: %s", o.Body)
	}
	e.Do(otherKey, "PATCH", base+"/theme", []byte(`{"name":null,"primaryColor":null}`)).MustOK(t)
	// Nothing of it shows for another tenant, whose favicon is Uplift's.
	if o := e.Do(otherKey, "GET", base+"/theme", nil).MustOK(t); o.Str("name") != "" || o.Str("logoUrl") != "" {
		t.Errorf("another tenant sees %s", o.Body)
	}
	if res := get(e, "/login/brand/"+other.ID+"/logo"); res.Code != http.StatusNotFound {
		t.Errorf("the other tenant's logo: %d, want 404", res.Code)
	}
	if res := get(e, "/login/brand/"+other.ID+"/favicon"); res.Code != 200 || res.Header().Get("Content-Type") != "image/png" {
		t.Errorf("the other tenant's favicon: %d %v, want Uplift's", res.Code, res.Header())
	}
	if res := get(e, "/favicon.ico"); res.Code != 200 || res.Header().Get("Content-Type") != "image/png" || res.Body.Len() == 0 {
		t.Errorf("/favicon.ico: %d %v", res.Code, res.Header())
	}

	// What a client read may be sent back as it is: the URLs Uplift
	// serves and darkMode change nothing.
	if back := e.Do(key, "PATCH", base+"/theme", up.Body).MustOK(t); string(back.Body) != string(up.Body) {
		t.Errorf("PATCH of what GET said changed the theme:\n%s\n%s", back.Body, up.Body)
	}

	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(document.domain)</script></svg>`
	huge := testPNG(t, 280, 280, true) // about 300 KiB: over the image limit, within the body limit
	for _, tt := range []struct {
		name, body, code, mention string
	}{
		{"colour failing contrast", `{"primaryColor":"#ffcc00"}`, "insufficient_contrast", "contrast ratio of 1.51:1"},
		{"grey just short of AA", `{"primaryColor":"#777777"}`, "insufficient_contrast", "4.47:1"},
		{"colour name", `{"primaryColor":"red"}`, "invalid_color", "#rrggbb"},
		{"short hex", `{"primaryColor":"#fff"}`, "invalid_color", "primaryColor"},
		{"CSS injection", `{"primaryColor":"#000000;}body{background:url(https://evil.example/)"}`, "", "primaryColor"},
		{"script URL", `{"primaryColor":"javascript:alert(1)"}`, "invalid_color", "primaryColor"},
		{"not a string", `{"primaryColor":5}`, "", "primaryColor"},
		{"NUL in the colour", `{"primaryColor":"#000000\u0000"}`, "", "primaryColor"},
		{"NUL in the name", `{"name":"Shop\u0000"}`, "", "name"},
		{"long name", `{"name":"` + strings.Repeat("n", 65) + `"}`, "", "name"},
		{"SVG with a script", `{"logo":{"contentType":"image/svg+xml","data":"` + b64([]byte(svg)) + `"}}`, "invalid_image", "SVG"},
		{"SVG said to be a PNG", `{"logo":{"contentType":"image/png","data":"` + b64([]byte(svg)) + `"}}`, "invalid_image", "SVG"},
		{"HTML said to be a PNG", `{"favicon":{"contentType":"image/png","data":"` + b64([]byte("<html><script>alert(1)</script>")) + `"}}`, "invalid_image", "favicon"},
		{"wrong content type", `{"logo":{"contentType":"text/html","data":"` + b64(logo) + `"}}`, "invalid_image", "PNG or JPEG"},
		{"PNG said to be a JPEG", `{"logo":{"contentType":"image/jpeg","data":"` + b64(logo) + `"}}`, "invalid_image", "not a valid image"},
		{"not base64", `{"logo":{"contentType":"image/png","data":"%%%not base64"}}`, "invalid_image", "base64"},
		{"oversized logo", `{"logo":{"contentType":"image/png","data":"` + b64(huge) + `"}}`, "invalid_image", "256 KiB"},
		{"outside logo URL", `{"logoUrl":"https://evil.example/logo.png"}`, "invalid_image", "logoUrl"},
		{"outside favicon URL", `{"faviconUrl":"http://169.254.169.254/favicon.ico"}`, "invalid_image", "faviconUrl"},
		{"unknown field", `{"colors":{"link":"#ff0000"}}`, "", "unknown field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", base+"/theme", []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) ||
				(tt.code != "" && res.Str("error") != tt.code) {
				t.Errorf("status %d %s, want 400 %s mentioning %q", res.Status, res.Body, tt.code, tt.mention)
			}
		})
	}
	// A body larger than two images could make is refused before it is read.
	big := []byte(`{"name":"` + strings.Repeat("a", 800<<10) + `"}`)
	if res := e.Do(key, "PATCH", base+"/theme", big); res.Status != http.StatusRequestEntityTooLarge || res.Str("error") != "request_too_large" {
		t.Errorf("huge body: %d %s", res.Status, res.Body[:min(len(res.Body), 200)])
	}
	if after := e.Do(key, "GET", base+"/theme", nil).MustOK(t); string(after.Body) != string(up.Body) {
		t.Errorf("a refused PATCH changed the theme:\n%s", after.Body)
	}

	// null removes an image; "" returns the colour to Uplift's.
	cleared := e.Do(key, "PATCH", base+"/theme", []byte(`{"logo":null,"primaryColor":""}`)).MustOK(t)
	if cleared.Str("logoUrl") != "" || cleared.Str("primaryColor") != "" || cleared.Str("faviconUrl") == "" || cleared.Str("name") != "Shop & Co" {
		t.Errorf("after removing the logo and the colour: %s", cleared.Body)
	}
	if res := get(e, path); res.Code != http.StatusNotFound {
		t.Errorf("the removed logo: %d, want 404", res.Code)
	}
	if res := e.Do("sk_wrong", "GET", base+"/theme", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("without the key: %d", res.Status)
	}
	if res := e.Do("sk_wrong", "PATCH", base+"/theme", []byte(`{"name":"x"}`)); res.Status != http.StatusUnauthorized {
		t.Errorf("PATCH without the key: %d", res.Status)
	}
}
