package config

import "testing"

func TestSendCeilings(t *testing.T) {
	tests := []struct {
		emails, texts string
		want          SendCeilings
		wantErr       bool
	}{
		{"", "", SendCeilings{}, false},
		{"500", "20", SendCeilings{EmailsPerHour: 500, TextsPerHour: 20}, false},
		{"0", "off", SendCeilings{EmailsPerHour: -1, TextsPerHour: -1}, false},
		{" OFF ", "", SendCeilings{EmailsPerHour: -1}, false},
		{"-5", "", SendCeilings{}, true},
		{"", "10/h", SendCeilings{}, true},
	}
	for _, tt := range tests {
		env := map[string]string{"UPLIFT_TENANT_EMAILS_PER_HOUR": tt.emails, "UPLIFT_TENANT_TEXTS_PER_HOUR": tt.texts}
		got, err := sendCeilings(func(k string) string { return env[k] })
		if (err != nil) != tt.wantErr || (err == nil && got != tt.want) {
			t.Errorf("emails %q, texts %q: got %+v, %v; want %+v, error %v", tt.emails, tt.texts, got, err, tt.want, tt.wantErr)
		}
	}
}
