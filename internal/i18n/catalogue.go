package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFiles embed.FS

// catalogue is every language's messages, loaded once from the embedded
// files; it never changes after.
var catalogue = mustLoad()

type catalogueSet struct {
	bundle *goi18n.Bundle
	// tags are the real languages, English first; matcher picks among
	// them in that order.
	tags    []string
	matcher language.Matcher
	// localizers has one localizer per tag, PseudoRTL included.
	localizers map[string]*goi18n.Localizer
	// forms holds each language's messages: id, then plural category
	// ("other" for a message without plurals), then the text.
	forms map[string]map[string]map[string]string
	// plural holds, for each real language, the ids of its messages
	// written with plural forms.
	plural map[string]map[string]bool
}

func mustLoad() *catalogueSet {
	c, err := load()
	if err != nil {
		panic(fmt.Sprintf("i18n: %v", err))
	}
	return c
}

func load() (*catalogueSet, error) {
	c := &catalogueSet{bundle: goi18n.NewBundle(language.English), tags: []string{English},
		localizers: map[string]*goi18n.Localizer{}, forms: map[string]map[string]map[string]string{},
		plural: map[string]map[string]bool{}}
	names, err := localeFiles.ReadDir("locales")
	if err != nil {
		return nil, err
	}
	files := map[string]*goi18n.MessageFile{}
	for _, n := range names {
		b, err := localeFiles.ReadFile(path.Join("locales", n.Name()))
		if err != nil {
			return nil, err
		}
		f, err := goi18n.ParseMessageFileBytes(b, n.Name(), nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name(), err)
		}
		tag := strings.TrimSuffix(n.Name(), ".json")
		files[tag] = f
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name(), err)
		}
		c.plural[tag] = map[string]bool{}
		for id, v := range raw {
			c.plural[tag][id] = len(v) > 0 && v[0] == '{'
		}
		if tag != English {
			c.tags = append(c.tags, tag)
		}
	}
	en, ok := files[English]
	if !ok {
		return nil, fmt.Errorf("no %s.json", English)
	}
	files[PseudoRTL] = &goi18n.MessageFile{Tag: language.Make(PseudoRTL), Messages: pseudoRTL(en.Messages)}
	for tag, f := range files {
		if err := c.bundle.AddMessages(language.Make(tag), f.Messages...); err != nil {
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		c.forms[tag] = formsOf(f.Messages)
	}
	var matchable []language.Tag
	for _, tag := range c.tags {
		matchable = append(matchable, language.Make(tag))
	}
	c.matcher = language.NewMatcher(matchable)
	for tag := range files {
		c.localizers[tag] = goi18n.NewLocalizer(c.bundle, tag)
	}
	return c, nil
}

// formsOf lists messages' texts by id and plural category.
func formsOf(ms []*goi18n.Message) map[string]map[string]string {
	out := make(map[string]map[string]string, len(ms))
	for _, m := range ms {
		f := map[string]string{}
		for category, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two,
			"few": m.Few, "many": m.Many, "other": m.Other} {
			if text != "" {
				f[category] = text
			}
		}
		out[m.ID] = f
	}
	return out
}

// Bidi controls that make the pseudo-locale read right to left: a
// right-to-left mark on each side, and the text between a right-to-left
// override and its end.
const (
	rlm = "\u200f"
	rlo = "\u202e"
	pdf = "\u202c"
)

// pseudoRTL derives the right-to-left pseudo-locale from English: every
// text shown backwards by a right-to-left override, with every plural
// category Arabic has. Formats (format.*) stay as they are.
func pseudoRTL(en []*goi18n.Message) []*goi18n.Message {
	out := make([]*goi18n.Message, 0, len(en))
	for _, m := range en {
		mirror := func(s string) string {
			if strings.HasPrefix(m.ID, "format.") || s == "" {
				return s
			}
			return rlm + rlo + s + pdf + rlm
		}
		one := m.One
		if one == "" {
			one = m.Other
		}
		other := mirror(m.Other)
		out = append(out, &goi18n.Message{ID: m.ID, Zero: other, One: mirror(one), Two: other, Few: other,
			Many: other, Other: other})
	}
	return out
}
