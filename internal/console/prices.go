package console

import (
	"cmp"
	"errors"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// pricesPath is the message prices page, under the settings.
const pricesPath = admin.ConsolePath + "/settings/prices"

// pricesForm is the message prices form as submitted or stored: amounts
// as typed, in major units of the currency ("0.07").
type pricesForm struct {
	Currency, TextMessage, Email string
}

// pricesView is what prices.html shows.
type pricesView struct {
	Form     pricesForm
	Problems fieldErrors
}

// majorUnits writes minor units as an amount in major units, "0.07".
func majorUnits(minor int64, currency string) string {
	if currency == "" {
		return ""
	}
	s := prompt.FormatMoney(minor, currency)
	return strings.TrimPrefix(s, currency+" ")
}

// Prices shows what the tenant pays per text message and per email, the
// prices the dashboard's savings use.
func (c *Console) Prices(w http.ResponseWriter, r *http.Request, s *Session) error {
	p, err := c.prompt.MessagePrices(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	f := pricesForm{Currency: p.Currency, TextMessage: majorUnits(p.TextMessage, p.Currency), Email: majorUnits(p.Email, p.Currency)}
	c.render(w, r, http.StatusOK, "prices", s, View{Title: "Message prices", Section: "settings", Data: pricesView{Form: f}})
	return nil
}

// SavePrices stores the message prices: the amounts are read in major
// units of the currency and stored as whole minor units.
func (c *Console) SavePrices(w http.ResponseWriter, r *http.Request, s *Session) error {
	f := pricesForm{Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))),
		TextMessage: strings.TrimSpace(r.PostFormValue("textMessagePrice")), Email: strings.TrimSpace(r.PostFormValue("emailPrice"))}
	problems := fieldErrors{}
	p := model.MessagePrices{Currency: f.Currency}
	if f.Currency != "" {
		if err := prompt.CheckMessagePrices(model.MessagePrices{Currency: f.Currency}); err != nil {
			problems["currency"] = refusal(err)
		}
	} else if f.TextMessage != "" || f.Email != "" {
		problems["currency"] = "Choose the currency of the prices, such as EUR."
	}
	for _, field := range []struct {
		name, text string
		dst        *int64
	}{{"textMessagePrice", f.TextMessage, &p.TextMessage}, {"emailPrice", f.Email, &p.Email}} {
		n, err := prompt.ParseMoney(field.text, f.Currency)
		if err == nil && n > prompt.MaxMessagePrice {
			err = model.Invalid("at most %s", majorUnits(prompt.MaxMessagePrice, cmp.Or(f.Currency, "EUR")))
		}
		if err != nil {
			problems[field.name] = sentence(refusal(err))
			continue
		}
		*field.dst = n
	}
	if len(problems) == 0 {
		err := c.prompt.SetMessagePrices(r.Context(), s.Tenant.ID, p)
		if err == nil {
			redirect(w, r, pricesPath, "settings-saved")
			return nil
		}
		if !errors.Is(err, model.ErrInvalid) {
			return err
		}
		problems["form"] = refusal(err)
	}
	view := View{Title: "Message prices", Section: "settings", Error: notSavedText, Data: pricesView{Form: f, Problems: problems}}
	if msg := problems["form"]; msg != "" {
		view.Error = notSavedText + " " + sentence(msg)
	}
	c.render(w, r, http.StatusBadRequest, "prices", s, view)
	return nil
}
