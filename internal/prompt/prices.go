package prompt

import (
	"context"
	"fmt"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
)

// MaxMessagePrice is the highest price per message accepted, in minor
// units: 10,000.00 of a two-decimal currency.
const MaxMessagePrice = 1_000_000

// MessagePrices returns what the tenant pays per text message and per
// email; zero and no currency when not set.
func (s *Service) MessagePrices(ctx context.Context, tenantID string) (model.MessagePrices, error) {
	return s.store.MessagePrices(ctx, tenantID)
}

// SetMessagePrices stores what the tenant pays per text message and per
// email, in whole minor units of an ISO 4217 currency.
func (s *Service) SetMessagePrices(ctx context.Context, tenantID string, p model.MessagePrices) error {
	if err := CheckMessagePrices(p); err != nil {
		return err
	}
	return s.store.SaveMessagePrices(ctx, tenantID, p, s.Now())
}

// CheckMessagePrices refuses prices out of range and a currency that is
// not three capital letters (one is needed as soon as a price is set).
func CheckMessagePrices(p model.MessagePrices) error {
	for _, f := range []struct {
		name  string
		price int64
	}{{"textMessagePrice", p.TextMessage}, {"emailPrice", p.Email}} {
		if f.price < 0 || f.price > MaxMessagePrice {
			return model.Invalid("%s must be a whole number of minor units (cents) from 0 to %d", f.name, MaxMessagePrice)
		}
	}
	if p.Currency == "" && p.TextMessage == 0 && p.Email == 0 {
		return nil
	}
	if len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return model.Invalid("currency must be an ISO 4217 code of three capital letters, such as EUR")
	}
	return nil
}

// MinorUnitDigits is how many digits of a currency's amount are minor
// units: 2 for most, 0 for those without (JPY), 3 for some dinars.
func MinorUnitDigits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// FormatMoney writes an amount in minor units with its currency, such as
// "EUR 12.34".
func FormatMoney(minor int64, currency string) string {
	digits := MinorUnitDigits(currency)
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	if digits == 0 {
		return fmt.Sprintf("%s %s%d", currency, sign, minor)
	}
	scale := int64(1)
	for range digits {
		scale *= 10
	}
	return fmt.Sprintf("%s %s%d.%0*d", currency, sign, minor/scale, digits, minor%scale)
}

// ParseMoney reads an amount such as "0.07" in major units of currency
// into minor units, refusing more decimals than the currency has.
func ParseMoney(text, currency string) (int64, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, nil
	}
	digits := MinorUnitDigits(currency)
	whole, frac, hasFrac := strings.Cut(text, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" ||
		len(frac) > digits || (hasFrac && frac == "") || len(whole) > 9 {
		if digits == 0 {
			return 0, model.Invalid("type a whole amount such as 12")
		}
		return 0, model.Invalid("type an amount such as 0.07, with at most %d decimals", digits)
	}
	var n int64
	for _, c := range whole + frac + strings.Repeat("0", digits-len(frac)) {
		n = n*10 + int64(c-'0')
	}
	return n, nil
}
