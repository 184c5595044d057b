package hosted_test

import (
	"net/http"
	"testing"
)

// The page an email link opens speaks the browser's language, in both
// its forms: the one that opens the link and the one for a link cut
// short.
func TestEmailLinkPageInTheBrowsersLanguage(t *testing.T) {
	e := newEnv(t)
	open := e.browser().getIn("/login/email-link?t=a&c=b&s=c", "fr")
	if open.StatusCode != http.StatusOK || !open.has(`<html lang="fr" dir="ltr">`) ||
		!open.has("Confirmation de votre identité") || !open.has(">Confirmer que c’est moi</button>") {
		t.Errorf("the link's page: status %d: %s", open.StatusCode, open.body)
	}
	cut := e.browser().getIn("/login/email-link?t=a", "en")
	if cut.StatusCode != http.StatusBadRequest || !cut.has("This link is not valid") || !cut.has("The link is incomplete.") ||
		cut.has("Return to the app") {
		t.Errorf("a link cut short, naming no tenant: status %d: %s", cut.StatusCode, cut.body)
	}
	// A link cut short that still names its tenant leads back to its app.
	home := e.browser().getIn("/login/email-link?t="+e.tenant.ID, "en")
	if len(e.tenant.Origins) == 0 || !home.has(`<a class="button secondary" href="`+e.tenant.Origins[0]+`/">Return to the app</a>`) {
		t.Errorf("a link cut short, naming its tenant (origins %v): %s", e.tenant.Origins, home.body)
	}
}
