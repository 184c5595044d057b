package model

import "testing"

func TestDestination(t *testing.T) {
	tests := []struct {
		ch   CodeChallenge
		want string
	}{
		{CodeChallenge{Method: MethodEmailOTP, Email: "Ada@Example.com"}, "ada@example.com"},
		{CodeChallenge{Method: MethodEmailOTP, Email: "ada+shop@example.com"}, "ada@example.com"},
		{CodeChallenge{Method: MethodEmailOTP, Email: "ADA+a+b@example.com"}, "ada@example.com"},
		{CodeChallenge{Method: MethodEmailOTP, Email: "+ada@example.com"}, "+ada@example.com"},
		{CodeChallenge{Method: MethodSMS, PhoneNumber: "+64211234567"}, "+64211234567"},
		{CodeChallenge{Method: MethodAuthenticatorApp}, ""},
	}
	for _, tt := range tests {
		if got := tt.ch.Destination(); got != tt.want {
			t.Errorf("Destination of %q %q = %q, want %q", tt.ch.Email, tt.ch.PhoneNumber, got, tt.want)
		}
	}
}
