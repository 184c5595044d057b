package i18n

import (
	"context"
	"html/template"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Every catalogue has every message of English, nothing English lacks,
// and a message is plural in a language exactly when it is in English.
func TestCataloguesHaveEveryEnglishMessage(t *testing.T) {
	en := catalogue.forms[English]
	if len(en) < 100 {
		t.Fatalf("English has %d messages; the catalogue did not load", len(en))
	}
	for _, tag := range Languages() {
		forms := catalogue.forms[tag]
		for id := range en {
			if _, ok := forms[id]; !ok {
				t.Errorf("%s.json lacks %q", tag, id)
				continue
			}
			if catalogue.plural[English][id] != catalogue.plural[tag][id] {
				t.Errorf("%s.json: %q is plural in English but not here, or the other way round", tag, id)
			}
		}
		for id := range forms {
			if _, ok := en[id]; !ok {
				t.Errorf("%s.json has %q, which en.json does not", tag, id)
			}
		}
	}
}

// Every plural message has the forms its language's CLDR rules need, so
// that no count falls back to English or fails.
func TestPluralMessagesHaveTheirLanguagesForms(t *testing.T) {
	counts := []int{0, 1, 2, 3, 5, 11, 21, 22, 100, 101, 1000, 1_000_000}
	for _, tag := range append(Languages(), PseudoRTL) {
		l, _ := Get(tag)
		rules := plural.Cardinal
		for id := range catalogue.forms[English] {
			if !catalogue.plural[English][id] {
				continue
			}
			for _, n := range counts {
				category := rules.MatchPlural(language.Make(tag), n, 0, 0, 0, 0)
				name := categoryName(category)
				if _, ok := catalogue.forms[tag][id][name]; !ok {
					t.Errorf("%s: %q has no %q form, needed for %d", tag, id, name, n)
				}
			}
			if got := l.N(id, 7); !strings.Contains(got, "7") {
				t.Errorf("%s: %q for 7 = %q, without the count", tag, id, got)
			}
		}
	}
}

func categoryName(f plural.Form) string {
	return map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many", plural.Other: "other"}[f]
}

// The plural forms chosen are those a native speaker uses.
func TestPlurals(t *testing.T) {
	tests := []struct {
		tag   string
		count int
		want  string
	}{
		{"en", 1, "You can ask for a new code in 1 second."},
		{"en", 0, "You can ask for a new code in 0 seconds."},
		{"en", 30, "You can ask for a new code in 30 seconds."},
		{"fr", 0, "Vous pourrez demander un nouveau code dans 0\u00a0seconde."},
		{"fr", 1, "Vous pourrez demander un nouveau code dans 1\u00a0seconde."},
		{"fr", 2, "Vous pourrez demander un nouveau code dans 2\u00a0secondes."},
		{"es", 1, "Podrás pedir un código nuevo dentro de 1 segundo."},
		{"es", 0, "Podrás pedir un código nuevo dentro de 0 segundos."},
		{"de", 1, "Sie können in 1 Sekunde einen neuen Code anfordern."},
		{"de", 12, "Sie können in 12 Sekunden einen neuen Code anfordern."},
		{"ja", 1, "あと 1 秒で新しいコードをリクエストできます。"},
		{"ja", 12, "あと 12 秒で新しいコードをリクエストできます。"},
	}
	for _, tt := range tests {
		l, _ := Get(tt.tag)
		if got := l.N("code.resendIn", tt.count); got != tt.want {
			t.Errorf("%s, %d: got %q, want %q", tt.tag, tt.count, got, tt.want)
		}
	}
}

// Every message's placeholders are the ones English uses, so no
// translation loses the code, the app's name or a count.
func TestTranslationsKeepThePlaceholders(t *testing.T) {
	action := regexp.MustCompile(`\{\{[^}]*\}\}`)
	placeholders := func(forms map[string]string) []string {
		var out []string
		for _, text := range forms {
			for _, p := range action.FindAllString(text, -1) {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	for _, tag := range Languages() {
		for id, f := range catalogue.forms[English] {
			want, got := placeholders(f), placeholders(catalogue.forms[tag][id])
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q has placeholders %v, English %v", tag, id, got, want)
			}
		}
	}
}

// The language is the first candidate the catalogues have: track's
// locale, the user's, Accept-Language, the tenant's default.
func TestChoose(t *testing.T) {
	tests := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"track's locale first", []string{"fr", "de", "de-DE,de;q=0.9", "es"}, "fr"},
		{"a regional locale", []string{"fr-CA"}, "fr"},
		{"user's locale", []string{"", "ja-JP", "de"}, "ja"},
		{"Accept-Language", []string{"", "", "de-CH,de;q=0.9,en;q=0.8", "es"}, "de"},
		{"Accept-Language's second choice", []string{"", "", "pt-BR,es;q=0.8"}, "es"},
		{"an unknown language falls through", []string{"zz", "", "", "es"}, "es"},
		{"tenant default", []string{"", "", "", "ja"}, "ja"},
		{"nothing", nil, "en"},
		{"nothing known", []string{"pt", "", "ko-KR", ""}, "en"},
		{"garbage", []string{"\x00;;;", "", "q=x"}, "en"},
		{"the pseudo-locale by its tag", []string{"ar-XB"}, "ar-XB"},
		{"Arabic is not the pseudo-locale", []string{"ar", "", "ar-EG,ar;q=0.9", "es"}, "es"},
	}
	for _, tt := range tests {
		if got := Choose(tt.candidates...).Tag(); got != tt.want {
			t.Errorf("%s: Choose(%q) = %s, want %s", tt.name, tt.candidates, got, tt.want)
		}
	}
}

func TestDirection(t *testing.T) {
	for _, tag := range Languages() {
		if l, _ := Get(tag); l.Dir() != "ltr" {
			t.Errorf("%s reads %s", tag, l.Dir())
		}
	}
	rtl, _ := Get(PseudoRTL)
	if rtl.Dir() != "rtl" || !strings.HasPrefix(rtl.T("prompt.notNow"), "\u200f\u202e") {
		t.Errorf("pseudo-locale: dir %s, %q", rtl.Dir(), rtl.T("prompt.notNow"))
	}
	if got := rtl.DateTime(time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)); got != "4 Mar 2026, 05:06 UTC" {
		t.Errorf("pseudo-locale date = %q: formats are not mirrored", got)
	}
	if (Lang{}).Tag() != English || (Lang{}).T("prompt.notNow") != "Not now" {
		t.Errorf("the zero Lang is not English")
	}
}

func TestFilling(t *testing.T) {
	fr, _ := Get("fr")
	if got := fr.T("email.code.subjectApp", "App", "Acme", "Code", "012345"); got != "Votre code de vérification Acme est 012345" {
		t.Errorf("T = %q", got)
	}
	en, _ := Get("en")
	got := en.HTML("passkeys.createdOn", "Where", `<Ada's "laptop">`, "When", template.HTML(`<time datetime="x">today</time>`))
	want := template.HTML(`Created on &lt;Ada&#39;s &#34;laptop&#34;&gt;, <time datetime="x">today</time>.`)
	if got != want {
		t.Errorf("HTML = %s, want %s", got, want)
	}
	if got := en.T("no.such.message"); got != "no.such.message" {
		t.Errorf("a missing message = %q", got)
	}
	forms := fr.Forms("code.resendIn")
	if forms["one"] != "Vous pourrez demander un nouveau code dans {n}\u00a0seconde." || forms["other"] == "" {
		t.Errorf("Forms = %q", forms)
	}
	ctx := WithLang(context.Background(), fr)
	if l, ok := FromContext(ctx); !ok || l.Tag() != "fr" {
		t.Errorf("FromContext = %v, %v", l.Tag(), ok)
	}
	if _, ok := FromContext(context.Background()); ok {
		t.Errorf("an empty context carries a language")
	}
}

// "Not now" says what the decision would do: never, next time, or after
// the wait in a unit that reads well.
func TestNotNow(t *testing.T) {
	en, _ := Get("en")
	de, _ := Get("de")
	tests := []struct {
		l     Lang
		never bool
		wait  time.Duration
		want  string
	}{
		{en, true, 24 * time.Hour, "If you choose Not now, we won't ask again on this device."},
		{en, false, 0, "If you choose Not now, we'll ask again the next time you sign in."},
		{en, false, 90 * time.Second, "If you choose Not now, we'll ask again in 2 minutes."},
		{en, false, time.Hour, "If you choose Not now, we'll ask again in 1 hour."},
		{en, false, 5 * time.Hour, "If you choose Not now, we'll ask again in 5 hours."},
		{en, false, 24 * time.Hour, "If you choose Not now, we'll ask again in 1 day."},
		{en, false, 48 * time.Hour, "If you choose Not now, we'll ask again in 2 days."},
		{en, false, 7 * 24 * time.Hour, "If you choose Not now, we'll ask again in 1 week."},
		{en, false, 14 * 24 * time.Hour, "If you choose Not now, we'll ask again in 2 weeks."},
		{en, false, 30 * 24 * time.Hour, "If you choose Not now, we'll ask again in 1 month."},
		{en, false, 90 * 24 * time.Hour, "If you choose Not now, we'll ask again in 3 months."},
		{en, false, 365 * 24 * time.Hour, "If you choose Not now, we'll ask again in 1 year."},
		{de, false, 7 * 24 * time.Hour, "Wenn Sie „Nicht jetzt“ wählen, fragen wir in 1 Woche wieder."},
		{de, false, 2 * 24 * time.Hour, "Wenn Sie „Nicht jetzt“ wählen, fragen wir in 2 Tagen wieder."},
	}
	for _, tt := range tests {
		if got := tt.l.NotNow(tt.never, tt.wait); got != tt.want {
			t.Errorf("%s NotNow(%v, %v) = %q, want %q", tt.l.Tag(), tt.never, tt.wait, got, tt.want)
		}
	}
}

func TestDurations(t *testing.T) {
	en, _ := Get("en")
	tests := []struct{ got, want string }{
		{en.TryAgainIn(30 * time.Second), "Try again in 30 seconds, or use another method."},
		{en.TryAgainIn(15 * time.Minute), "Try again in 15 minutes, or use another method."},
		{en.TryAgainIn(3*time.Hour + time.Minute), "Try again in 4 hours, or use another method."},
		{en.Expiry("email.expires", 10*time.Minute), "It expires in 10 minutes."},
		{en.Expiry("email.expires", time.Hour), "It expires in 1 hour."},
		{en.Expiry("email.expires", 90*time.Second), "It expires in 90 seconds."},
		{en.Expiry("email.expires", 0), ""},
		{en.Join("One.", "", "Two."), "One. Two."},
		{en.ResendIn(120), "You can ask for a new code in 120 seconds."},
		{en.ResendIn(121), "You can ask for a new code in 3 minutes."},
		{en.ResendIn(3540), "You can ask for a new code in 59 minutes."},
		{Choose("ja").Join("一。", "二。"), "一。二。"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestPromptCopy(t *testing.T) {
	p := Prompt("", "ja,en;q=0.5")
	if p.Lang != "ja" || p.Heading != "パスキーを作成" || p.Create == "" || p.NotNow != "後で" || p.Waiting == "" || p.Dir != "ltr" {
		t.Errorf("Prompt = %+v", p)
	}
	if en := Prompt(); en.Heading != "Create a passkey" || en.Create != "Create passkey" || en.NotNow != "Not now" ||
		en.OptOut != "Don't ask again" || en.WhatIs != "What's a passkey?" {
		t.Errorf("English prompt = %+v; SPEC §8's names changed", en)
	}
}
