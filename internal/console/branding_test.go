package console_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/console"
)

// upload is one file of a multipart form.
type upload struct {
	field, name, ctype string
	data               []byte
}

// postUpload submits the branding form as a browser does, as
// multipart/form-data with files; the CSRF field is added from the
// session unless fields set it.
func (h *harness) postUpload(path, session string, fields map[string]string, files ...upload) page {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if _, ok := fields[console.CSRFField]; !ok {
		mw.WriteField(console.CSRFField, h.csrf(session))
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="`+f.field+`"; filename="`+f.name+`"`)
		hdr.Set("Content-Type", f.ctype)
		w, err := mw.CreatePart(hdr)
		if err != nil {
			h.t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	return h.do("POST", path, session, &body, "Content-Type", mw.FormDataContentType(), "Origin", consoleOrigin)
}

func pngOf(t *testing.T, w, hgt int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, hgt))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBrandingPage(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	p := h.get("/console/branding", s)
	if p.status != 200 || !strings.Contains(p.body, `<label for="primaryColor">Brand colour</label>`) ||
		!strings.Contains(p.body, `enctype="multipart/form-data"`) || !strings.Contains(p.body, `aria-current="page">Branding`) {
		t.Fatalf("branding page = %d: %s", p.status, p.body)
	}
	if p := h.get("/console/branding", ""); p.status != 303 {
		t.Errorf("without a session = %d, want a redirect to sign in", p.status)
	}

	// A colour white text cannot be read on is refused with its ratio;
	// what was typed stays, nothing is saved.
	bad := h.postUpload("/console/branding", s, map[string]string{"name": "Acme Bank", "primaryColor": "#ffcc00"},
		upload{"logo", "logo.png", "image/png", pngOf(t, 120, 40)})
	if bad.status != 400 || !strings.Contains(bad.body, `id="primaryColor-error"`) || !strings.Contains(bad.body, "1.51:1") ||
		!strings.Contains(bad.body, "4.5:1") || !strings.Contains(bad.body, "The brand colour #ffcc00") ||
		!strings.Contains(bad.body, `value="Acme Bank"`) || !strings.Contains(bad.body, `value="#ffcc00"`) ||
		!strings.Contains(bad.body, "Choose the image files again") {
		t.Fatalf("a light colour = %d: %s", bad.status, bad.body)
	}
	if th, _ := h.env.App.Branding.Theme(t.Context(), h.tenant.ID); th.Name != "" || th.Logo.Set() {
		t.Fatalf("a refused form saved %+v", th)
	}

	// An SVG logo with a script is refused whatever it says it is.
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	for _, ctype := range []string{"image/svg+xml", "image/png"} {
		r := h.postUpload("/console/branding", s, map[string]string{"name": "Acme"}, upload{"logo", "logo.svg", ctype, svg})
		if r.status != 400 || !strings.Contains(r.body, `id="logo-error"`) || !strings.Contains(r.body, "SVG") {
			t.Errorf("an SVG logo sent as %s = %d: %s", ctype, r.status, r.body)
		}
	}
	// A file over the limit is refused as such.
	big := bytes.Repeat([]byte{0x89}, 300<<10)
	if r := h.postUpload("/console/branding", s, nil, upload{"favicon", "f.png", "image/png", big}); r.status != 400 ||
		!strings.Contains(r.body, `id="favicon-error"`) || !strings.Contains(r.body, "256 KiB") {
		t.Errorf("a 300 KiB favicon = %d: %s", r.status, r.body)
	}
	// A form larger than any upload the page allows is not read at all.
	huge := bytes.Repeat([]byte{1}, 2<<20)
	if r := h.postUpload("/console/branding", s, nil, upload{"logo", "l.png", "image/png", huge}); r.status != 400 ||
		!strings.Contains(r.body, "could not be read") {
		t.Errorf("a 2 MiB form = %d: %s", r.status, r.body)
	}
	// Without the session's CSRF field the upload is refused.
	if r := h.postUpload("/console/branding", s, map[string]string{console.CSRFField: "forged", "name": "Evil"}); r.status != 403 {
		t.Errorf("a forged CSRF field = %d, want 403", r.status)
	}

	ok := h.postUpload("/console/branding", s, map[string]string{"name": "Acme Bank", "primaryColor": "#0B6E4F"},
		upload{"logo", "logo.png", "image/png", pngOf(t, 120, 40)}, upload{"favicon", "favicon.png", "image/png", pngOf(t, 32, 32)})
	if ok.status != 303 || !strings.Contains(ok.header.Get("Location"), "done=branding-saved") {
		t.Fatalf("save = %d %v: %s", ok.status, ok.header, ok.body)
	}
	p = h.get("/console/branding?done=branding-saved", s)
	for _, want := range []string{"Branding saved", `value="Acme Bank"`, `value="#0b6e4f"`, "/login/brand/" + h.tenant.ID + "/logo?v=",
		"/login/brand/" + h.tenant.ID + "/favicon?v=", `name="removeLogo"`, `src="data:image/svg`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page after saving lacks %q", want)
		}
	}
	// Removing the logo keeps the rest.
	if r := h.postUpload("/console/branding", s, map[string]string{"name": "Acme Bank", "primaryColor": "#0b6e4f", "removeLogo": "on"}); r.status != 303 {
		t.Fatalf("remove the logo = %d: %s", r.status, r.body)
	}
	th, _ := h.env.App.Branding.Theme(t.Context(), h.tenant.ID)
	if th.Logo.Set() || !th.Favicon.Set() || th.Name != "Acme Bank" || th.PrimaryColor != "#0b6e4f" {
		t.Errorf("after removing the logo: %+v", th)
	}
	// A post without the text fields leaves them as they are.
	if r := h.postUpload("/console/branding", s, map[string]string{"removeFavicon": "on"}); r.status != 303 {
		t.Fatalf("remove the favicon = %d: %s", r.status, r.body)
	}
	th, _ = h.env.App.Branding.Theme(t.Context(), h.tenant.ID)
	if th.Favicon.Set() || th.Name != "Acme Bank" || th.PrimaryColor != "#0b6e4f" {
		t.Errorf("after removing the favicon alone: %+v", th)
	}
}
