# The whole test suite: `make test`. CI runs the same target with
# PostgreSQL, Chromium and the npm SDKs required (see .ci/run).

GO ?= go
# Fuzzing runs a fixed number of inputs: Go 1.26's fuzzer can fail a run
# bounded by time with a spurious "context deadline exceeded" when the
# machine is busy (golang/go#75804).
FUZZTIME ?= 50000x
FUZZTIME_ROUTES ?= 10000x
NPM_DIRS := $(wildcard e2e/sdk e2e/browser/js)

# Packages under internal/ that run no goroutines of their own and share
# no memory between requests: pure decisions and parsers, and helpers of
# tests. Every other package under internal/ (the store, the domain
# packages, the surfaces, the server, the rate limiter ...) is tested with
# the race detector, so a new package is raced unless it is named here.
NORACE := model|uplift|stats|rules|otp|totp|token|devices|passkeyjson|jsonapi|ceremony|config|mailparse|providers|ids|puretest|pgtest|webauthntest
# Computed when used, so that `make demo` lists nothing.
RACE_PKGS = $(shell $(GO) list ./internal/... | grep -vE '/internal/($(NORACE))$$')
PLAIN_PKGS = $(filter-out $(RACE_PKGS),$(shell $(GO) list ./...))

.PHONY: test npm vet lint gotest race fuzz demo

test: npm vet lint gotest race fuzz

# Install the official SDKs the compatibility tests drive (from package-lock.json).
npm:
	@for d in $(NPM_DIRS); do \
		if [ -f $$d/package-lock.json ]; then (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; fi; \
	done

vet:
	$(GO) vet ./...

# staticcheck, at the version go.mod pins (tool directive); checks are
# its defaults.
lint:
	$(GO) tool staticcheck ./...

# Every test runs once: the packages with concurrency under the race
# detector (race), the others as they are (gotest). A hung test fails
# after the timeout with a goroutine dump.
gotest:
	$(GO) test -count=1 -timeout 10m $(PLAIN_PKGS)

race:
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

# Short fuzzing runs of every fuzz target; longer ones: make fuzz FUZZTIME=5000000x.
# With UPLIFT_TEST_POSTGRES set, the HTTP targets send every input to
# PostgreSQL as well as SQLite. FuzzRoutes spreads its inputs over every
# route, each slower than track, so it runs fewer of them.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzTrackBody$$' -fuzztime $(FUZZTIME) ./internal/serverapi
	$(GO) test -run '^$$' -fuzz '^FuzzChallengeBody$$' -fuzztime $(FUZZTIME) ./internal/serverapi
	$(GO) test -run '^$$' -fuzz '^FuzzRoutes$$' -fuzztime $(FUZZTIME_ROUTES) ./internal/server
	$(GO) test -run '^$$' -fuzz '^FuzzCompileEval$$' -fuzztime $(FUZZTIME) ./internal/rules
	$(GO) test -run '^$$' -fuzz '^FuzzFinishRegistration$$' -fuzztime $(FUZZTIME) ./internal/ceremony
	$(GO) test -run '^$$' -fuzz '^FuzzFinishLogin$$' -fuzztime $(FUZZTIME) ./internal/ceremony

demo:
	$(GO) run ./cmd/uplift demo
