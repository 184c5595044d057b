// Package i18n holds the words of everything Uplift shows or sends to an
// app's users — the hosted pages, their script's messages, the emails and
// text messages — in message catalogues, one per language, embedded in
// the binary, and picks the language a person gets.
//
// The catalogues are go-i18n message files (locales/*.json): English,
// the source and fallback, plus Spanish, French, German and Japanese.
// Plural messages carry the CLDR plural forms of their language. A
// pseudo-locale, ar-XB, mirrors English right to left so that tests can
// prove the pages' right-to-left layout; it is chosen only by its exact
// tag, never for a real Arabic reader.
//
// The language is the first of these that names one the catalogues have:
// the locale track was given for the action, the user's locale, the
// browser's Accept-Language, the tenant's default language; English
// otherwise (Choose).
package i18n

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// English is the source language, and the fallback for a message or a
// language the catalogues lack.
const English = "en"

// PseudoRTL is the tag of the right-to-left pseudo-locale: English text
// reversed by bidi controls, laid out right to left. It exists to test
// the pages' right-to-left layout.
const PseudoRTL = "ar-XB"

// Lang is one language the pages and messages can be shown in. The zero
// Lang is English.
type Lang struct {
	tag string
	loc *goi18n.Localizer
}

// Languages lists the tags of the real languages the catalogues have,
// English first; the pseudo-locale is not among them.
func Languages() []string { return append([]string(nil), catalogue.tags...) }

// Supported reports whether tag names a language of Languages exactly.
func Supported(tag string) bool {
	for _, t := range catalogue.tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Get returns the language tag names exactly (one of Languages, or
// PseudoRTL), and whether there is one.
func Get(tag string) (Lang, bool) {
	if tag == PseudoRTL || Supported(tag) {
		return Lang{tag: tag, loc: catalogue.localizers[tag]}, true
	}
	return Lang{}, false
}

// Match returns the language that best fits one candidate: a BCP 47 tag
// such as "fr" or "pt-BR", or an Accept-Language header. It reports false
// when the catalogues have nothing close.
func Match(candidate string) (Lang, bool) {
	candidate = strings.TrimSpace(candidate)
	if candidate == "" {
		return Lang{}, false
	}
	if strings.EqualFold(candidate, PseudoRTL) {
		return Get(PseudoRTL)
	}
	prefs, _, err := language.ParseAcceptLanguage(candidate)
	if err != nil || len(prefs) == 0 {
		return Lang{}, false
	}
	_, i, conf := catalogue.matcher.Match(prefs...)
	if conf == language.No {
		return Lang{}, false
	}
	return Get(catalogue.tags[i])
}

// Choose returns the language of the first candidate that Match fits,
// English when none does. Pass, in order: the action's locale, the
// user's locale, the request's Accept-Language header, the tenant's
// default language.
func Choose(candidates ...string) Lang {
	for _, c := range candidates {
		if l, ok := Match(c); ok {
			return l
		}
	}
	l, _ := Get(English)
	return l
}

// Tag is the language's BCP 47 tag, for the lang attribute.
func (l Lang) Tag() string {
	if l.tag == "" {
		return English
	}
	return l.tag
}

// Dir is the text direction, "ltr" or "rtl", for the dir attribute.
func (l Lang) Dir() string {
	if l.tag == PseudoRTL {
		return "rtl"
	}
	return "ltr"
}

func (l Lang) localizer() *goi18n.Localizer {
	if l.loc == nil {
		return catalogue.localizers[English]
	}
	return l.loc
}

// T returns message id in the language, its placeholders filled from
// pairs of name and value ("App", "Acme"). A message the language lacks
// is English (catalogue_test.go makes sure none does); one no catalogue
// has is a programming error, shown as its id so that it cannot go
// unseen.
func (l Lang) T(id string, pairs ...any) string {
	s, _ := l.localizer().Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data(pairs)})
	if s == "" {
		return id
	}
	return s
}

// N returns plural message id for count, in the form the language's
// plural rules give count; the placeholder Count holds it.
func (l Lang) N(id string, count int, pairs ...any) string {
	d := data(pairs)
	d["Count"] = count
	s, _ := l.localizer().Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if s == "" {
		return id
	}
	return s
}

// HTML returns message id as HTML: the message's text escaped, each
// placeholder filled with its value escaped, except values already of
// type template.HTML, which go in as they are (a <time> element, say).
func (l Lang) HTML(id string, pairs ...any) template.HTML {
	var marked []any
	var fills []string
	for i := 0; i+1 < len(pairs); i += 2 {
		mark := fmt.Sprintf("\x00%d\x00", len(fills))
		var fill string
		switch v := pairs[i+1].(type) {
		case template.HTML:
			fill = string(v)
		default:
			fill = html.EscapeString(fmt.Sprint(v))
		}
		fills = append(fills, fill)
		marked = append(marked, pairs[i], mark)
	}
	out := html.EscapeString(l.T(id, marked...))
	for i, fill := range fills {
		out = strings.ReplaceAll(out, fmt.Sprintf("\x00%d\x00", i), fill)
	}
	return template.HTML(out)
}

// Forms returns plural message id's forms in the language, keyed by CLDR
// plural category ("one", "other", ...), with "{n}" where the count goes:
// for a script that counts in the browser with Intl.PluralRules.
func (l Lang) Forms(id string) map[string]string {
	forms := catalogue.forms[l.Tag()][id]
	out := make(map[string]string, len(forms))
	for category, text := range forms {
		out[category] = strings.ReplaceAll(text, "{{.Count}}", "{n}")
	}
	return out
}

func data(pairs []any) map[string]any {
	d := make(map[string]any, len(pairs)/2+1)
	for i := 0; i+1 < len(pairs); i += 2 {
		if k, ok := pairs[i].(string); ok {
			d[k] = pairs[i+1]
		}
	}
	return d
}

type contextKey struct{}

// WithLang returns ctx carrying l, for code further down (the emails a
// page's step sends) to speak the page's language.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, contextKey{}, l)
}

// FromContext returns the language ctx carries, if any.
func FromContext(ctx context.Context) (Lang, bool) {
	l, ok := ctx.Value(contextKey{}).(Lang)
	return l, ok
}

// Name is the language's name in itself ("Français"), for a list to
// choose from.
func (l Lang) Name() string { return l.T("format.languageName") }
