package hosted

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
)

// messageID is what a message the catalogues lack renders as.
var messageID = regexp.MustCompile(`\b(page|challenge|method|code|wait|enroll|prompt|created|signedIn|close|passkeys|error|link|js|email|sms|format)\.[a-zA-Z_.]+\b`)

// Every page renders in every language, with every part it can show,
// and no message id shows instead of words.
func TestEveryPageInEveryLanguage(t *testing.T) {
	v := mustParseViews()
	for _, tag := range append(i18n.Languages(), i18n.PseudoRTL) {
		l, _ := i18n.Get(tag)
		for _, name := range pageNames {
			data := view{L: l, AppName: "Acme", Problem: problem{Title: "T", Detail: "D"}, Token: "tok", CSRF: "c",
				Error: "E", Notice: "N", Back: "/back", Explanation: "X", Later: l.NotNow(false, 0), OfferOptOut: true,
				Wait: 12, WaitMethod: model.MethodEmailOTP, Next: "/next", ContinueAfterMS: 3000,
				Challenge: challengeView{Primary: model.MethodPasskey, Others: []model.VerificationMethod{model.MethodEmailOTP,
					model.MethodSMS, model.MethodAuthenticatorApp}, Email: "a•••@example.com", Phone: "42"},
				Code:     codeView{Method: model.MethodSMS, PhoneEnding: "42", Resend: true, Others: true},
				Enroll:   enrollView{Email: "ada@example.com", Fixed: true},
				Saved:    &providerView{Name: "Google Password Manager"},
				Settings: settingsView{CanAdd: true, Done: "/done", MaxName: 64, Passkeys: []passkeyRow{{ID: "1", Name: "Laptop"}}},
			}
			data.ScriptText = scriptText(l)
			var b bytes.Buffer
			if err := v.pages[name].ExecuteTemplate(&b, "layout.html", data); err != nil {
				t.Errorf("%s %s: %v", tag, name, err)
				continue
			}
			if id := messageID.FindString(b.String()); id != "" {
				t.Errorf("%s %s shows the message id %q instead of words", tag, name, id)
			}
		}
	}
}
