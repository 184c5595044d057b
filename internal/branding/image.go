package branding

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
)

// MaxImageBytes is the largest logo or favicon accepted: 256 KiB.
const MaxImageBytes = 256 << 10

// Image types Uplift accepts and serves. SVG is refused: it can carry
// scripts, and email programs do not show it.
const (
	typePNG  = "image/png"
	typeJPEG = "image/jpeg"
	typeICO  = "image/x-icon"
)

// imageRule is what one of a theme's images may be.
type imageRule struct {
	types []string
	// words names the accepted formats in an error.
	words string
	// maxSide bounds each side in pixels; minSide is the least.
	maxSide, minSide int
}

var imageRules = map[model.ThemeImageKind]imageRule{
	model.ThemeLogo:    {types: []string{typePNG, typeJPEG}, words: "a PNG or JPEG image", maxSide: 2048, minSide: 16},
	model.ThemeFavicon: {types: []string{typePNG, typeICO}, words: "a PNG or ICO image", maxSide: 512, minSide: 16},
}

// Upload is an image as sent: the media type the sender declared and the
// bytes.
type Upload struct {
	ContentType string
	Data        []byte
}

// CheckImage checks an upload for the image kind and returns it as
// stored: its size within MaxImageBytes, its declared type one the kind
// accepts, its bytes of that type (never SVG, whatever the declaration),
// and its dimensions within bounds. Errors are ErrInvalid with code
// invalid_image, and start with the field's name (logo, favicon).
func CheckImage(kind model.ThemeImageKind, u Upload) (model.ThemeImage, error) {
	rule, ok := imageRules[kind]
	if !ok {
		return model.ThemeImage{}, model.Invalid("no image %q in a theme", kind)
	}
	name := string(kind)
	switch {
	case len(u.Data) == 0:
		return model.ThemeImage{}, imageError("%s is empty: choose an image file", name)
	case len(u.Data) > MaxImageBytes:
		return model.ThemeImage{}, imageError("%s is %d KiB, larger than the %d KiB accepted: make it smaller",
			name, (len(u.Data)+1023)>>10, MaxImageBytes>>10)
	}
	declared := mediaType(u.ContentType)
	if declared == "image/svg+xml" || looksLikeMarkup(u.Data) {
		return model.ThemeImage{}, imageError("%s cannot be an SVG or other markup: it can carry scripts, and email programs do not show it; upload %s",
			name, rule.words)
	}
	if declared == "image/vnd.microsoft.icon" {
		declared = typeICO
	}
	if !slices.Contains(rule.types, declared) {
		return model.ThemeImage{}, imageError("%s must be %s (%s)", name, rule.words, strings.Join(rule.types, " or "))
	}
	w, h, err := dimensions(declared, u.Data)
	if err != nil {
		return model.ThemeImage{}, imageError("%s is declared %s but its bytes are not a valid image of that type", name, declared)
	}
	if w > rule.maxSide || h > rule.maxSide || w < rule.minSide || h < rule.minSide {
		return model.ThemeImage{}, imageError("%s is %d×%d pixels; each side must be from %d to %d pixels",
			name, w, h, rule.minSide, rule.maxSide)
	}
	sum := sha256.Sum256(u.Data)
	return model.ThemeImage{ContentType: declared, Hash: hex.EncodeToString(sum[:8]), Data: bytes.Clone(u.Data)}, nil
}

func imageError(format string, args ...any) error {
	return model.Errorf(model.ErrInvalid, "invalid_image", format, args...)
}

// mediaType is a Content-Type's media type in lower case, without
// parameters; "" when it cannot be read.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// looksLikeMarkup reports whether data is text a browser could take for
// HTML, XML or SVG, as content sniffing would.
func looksLikeMarkup(data []byte) bool {
	head := bytes.ToLower(bytes.TrimLeft(data[:min(len(data), 512)], " \t\r\n\ufeff"))
	if bytes.HasPrefix(head, []byte("<")) {
		return true
	}
	ct := http.DetectContentType(data)
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "xml")
}

// dimensions reads an image's width and height from its header, checking
// that its bytes are of the declared type.
func dimensions(ct string, data []byte) (int, int, error) {
	var cfg image.Config
	var err error
	switch ct {
	case typePNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case typeJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case typeICO:
		return icoDimensions(data)
	default:
		return 0, 0, errNotImage
	}
	return cfg.Width, cfg.Height, err
}

var errNotImage = model.Invalid("not an image")

// icoDimensions reads an ICO file's directory (reserved 0, type 1, one to
// 64 entries, each within the file) and returns its largest entry's size;
// a width or height byte of 0 means 256.
func icoDimensions(data []byte) (int, int, error) {
	if len(data) < 6 || binary.LittleEndian.Uint16(data[0:]) != 0 || binary.LittleEndian.Uint16(data[2:]) != 1 {
		return 0, 0, errNotImage
	}
	n := int(binary.LittleEndian.Uint16(data[4:]))
	if n < 1 || n > 64 || len(data) < 6+16*n {
		return 0, 0, errNotImage
	}
	w, h := 0, 0
	for i := range n {
		e := data[6+16*i:]
		ew, eh := int(e[0]), int(e[1])
		if ew == 0 {
			ew = 256
		}
		if eh == 0 {
			eh = 256
		}
		size, offset := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		if size == 0 || uint64(offset)+uint64(size) > uint64(len(data)) {
			return 0, 0, errNotImage
		}
		w, h = max(w, ew), max(h, eh)
	}
	return w, h, nil
}
