package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/uplift-dev/uplift/client"
)

// exampleServer stands in for an Uplift server so the examples run
// without one.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/users/user-123/actions/signIn":
			io.WriteString(w, `{"idempotencyKey":"5f0c","state":"CHALLENGE_REQUIRED",
				"url":"https://uplift.example.com/login?token=eyJ","token":"eyJ","isEnrolled":true}`)
		case "/v1/validate":
			io.WriteString(w, `{"isValid":true,"state":"CHALLENGE_SUCCEEDED","userId":"user-123",
				"actionCode":"signIn","action":"signIn","idempotencyKey":"5f0c","verificationMethod":"PASSKEY"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"not_found","errorDescription":"user not found"}`)
		}
	}))
}

func ExampleClient_Track() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c := client.New(srv.URL+"/v1", "sk_...")
	res, err := c.Track(ctx, "user-123", "signIn", client.TrackAttributes{
		RedirectURL: "https://app.example.com/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	switch res.State {
	case client.StateAllow:
		fmt.Println("signed in")
	case client.StateChallengeRequired:
		fmt.Println("send the user to", res.URL)
	default:
		fmt.Println("refused:", res.State)
	}
	// Output: send the user to https://uplift.example.com/login?token=eyJ
}

func ExampleClient_Validate() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c := client.New(srv.URL+"/v1", "sk_...")
	// token is the ?token= query parameter the hosted UI redirected with.
	token := "eyJ"
	v, err := c.Validate(ctx, client.ValidateRequest{Token: token, UserID: "user-123", Action: "signIn"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.IsValid, v.Action, v.VerificationMethod)
	// Output: true signIn PASSKEY
}

func ExampleIsNotFound() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c := client.New(srv.URL+"/v1", "sk_...")
	_, err := c.GetUser(ctx, "nobody")
	if client.IsNotFound(err) {
		fmt.Println("no such user")
	}
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// no such user
	// 404 not_found
}
