package branding_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/model"
)

// pngImage encodes a w×h PNG.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{0x1f, 0x5f, 0xbf, 0xff})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegImage(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// icoImage wraps a PNG in an ICO file of one entry.
func icoImage(t testing.TB, side int) []byte {
	t.Helper()
	payload := pngImage(t, side, side)
	b := make([]byte, 6+16)
	binary.LittleEndian.PutUint16(b[2:], 1)
	binary.LittleEndian.PutUint16(b[4:], 1)
	b[6], b[7] = byte(side%256), byte(side%256)
	binary.LittleEndian.PutUint32(b[6+8:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[6+12:], 22)
	return append(b, payload...)
}

// noisyPNG is a PNG over the size limit: random-looking pixels do not
// compress.
func noisyPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 400, 400))
	x := uint32(1)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

const svgWithScript = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(document.cookie)</script><rect width="64" height="64"/></svg>`

func TestCheckImage(t *testing.T) {
	logoPNG, logoJPEG, ico := pngImage(t, 240, 60), jpegImage(t, 120, 120), icoImage(t, 32)
	big := noisyPNG(t)
	if len(big) <= branding.MaxImageBytes {
		t.Fatalf("the noisy PNG is only %d bytes", len(big))
	}
	tests := []struct {
		name     string
		kind     model.ThemeImageKind
		ctype    string
		data     []byte
		wantType string   // "" when refused
		reason   []string // what the refusal says
	}{
		{name: "PNG logo", kind: model.ThemeLogo, ctype: "image/png", data: logoPNG, wantType: "image/png"},
		{name: "JPEG logo, type with parameters", kind: model.ThemeLogo, ctype: "Image/JPEG; charset=binary", data: logoJPEG, wantType: "image/jpeg"},
		{name: "PNG favicon", kind: model.ThemeFavicon, ctype: "image/png", data: pngImage(t, 32, 32), wantType: "image/png"},
		{name: "ICO favicon", kind: model.ThemeFavicon, ctype: "image/x-icon", data: ico, wantType: "image/x-icon"},
		{name: "ICO favicon, other name", kind: model.ThemeFavicon, ctype: "image/vnd.microsoft.icon", data: ico, wantType: "image/x-icon"},
		{name: "empty", kind: model.ThemeLogo, ctype: "image/png", data: nil, reason: []string{"logo is empty"}},
		{name: "too large", kind: model.ThemeLogo, ctype: "image/png", data: big, reason: []string{"logo is", "KiB", "256 KiB"}},
		{name: "SVG declared", kind: model.ThemeLogo, ctype: "image/svg+xml", data: []byte(svgWithScript), reason: []string{"SVG", "scripts"}},
		{name: "SVG declared as PNG", kind: model.ThemeLogo, ctype: "image/png", data: []byte(svgWithScript), reason: []string{"SVG"}},
		{name: "SVG favicon", kind: model.ThemeFavicon, ctype: "image/png", data: []byte("  \n<svg onload=alert(1)>"), reason: []string{"favicon", "SVG"}},
		{name: "HTML declared as PNG", kind: model.ThemeLogo, ctype: "image/png", data: []byte("<!doctype html><script>alert(1)</script>"), reason: []string{"markup"}},
		{name: "text declared as PNG", kind: model.ThemeLogo, ctype: "image/png", data: []byte("hello, this is not an image at all"), reason: []string{"markup"}},
		{name: "JPEG declared as PNG", kind: model.ThemeLogo, ctype: "image/png", data: logoJPEG, reason: []string{"declared image/png", "not a valid image"}},
		{name: "truncated PNG", kind: model.ThemeLogo, ctype: "image/png", data: logoPNG[:20], reason: []string{"not a valid image"}},
		{name: "GIF type", kind: model.ThemeLogo, ctype: "image/gif", data: []byte("GIF89a\x01\x00\x01\x00"), reason: []string{"PNG or JPEG"}},
		{name: "no type", kind: model.ThemeLogo, ctype: "", data: logoPNG, reason: []string{"PNG or JPEG"}},
		{name: "ICO as a logo", kind: model.ThemeLogo, ctype: "image/x-icon", data: ico, reason: []string{"PNG or JPEG"}},
		{name: "JPEG favicon", kind: model.ThemeFavicon, ctype: "image/jpeg", data: logoJPEG, reason: []string{"PNG or ICO"}},
		{name: "ICO with an entry past its end", kind: model.ThemeFavicon, ctype: "image/x-icon", data: ico[:40], reason: []string{"not a valid image"}},
		{name: "logo too wide", kind: model.ThemeLogo, ctype: "image/png", data: pngImage(t, 3000, 20), reason: []string{"3000×20", "2048"}},
		{name: "logo too small", kind: model.ThemeLogo, ctype: "image/png", data: pngImage(t, 8, 8), reason: []string{"8×8"}},
		{name: "favicon too large", kind: model.ThemeFavicon, ctype: "image/png", data: pngImage(t, 600, 600), reason: []string{"512"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := branding.CheckImage(tt.kind, branding.Upload{ContentType: tt.ctype, Data: tt.data})
			if tt.wantType != "" {
				if err != nil || img.ContentType != tt.wantType || len(img.Hash) != 16 || !bytes.Equal(img.Data, tt.data) {
					t.Fatalf("CheckImage = %s %q, %v; want it kept as %s", img.ContentType, img.Hash, err, tt.wantType)
				}
				return
			}
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) || me.Code != "invalid_image" {
				t.Fatalf("CheckImage = %+v, %v; want an invalid_image error", img, err)
			}
			if !strings.HasPrefix(me.Description, string(tt.kind)) {
				t.Errorf("the refusal %q does not start with the field's name", me.Description)
			}
			for _, s := range tt.reason {
				if !strings.Contains(me.Description, s) {
					t.Errorf("the refusal %q lacks %q", me.Description, s)
				}
			}
		})
	}
}
