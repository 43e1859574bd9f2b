# The two commands a new user needs: `go run ./cmd/warroom` and `make test`.
GO ?= go
# Fuzz targets CI runs briefly: package:target, one for every reader of
# outside input (timelines, configuration and runbook files, HAProxy's
# answers, rate-limit headers, the change fields the ledger folds).
FUZZ_TARGETS ?= ./timeline:FuzzReadTimeline ./config:FuzzParseConfig ./runbooks:FuzzParseRunbook \
	./integrations/haproxy:FuzzParseServersState ./integrations/haproxy:FuzzParseStat \
	./integrations/haproxy:FuzzParseProc ./integrations/haproxy:FuzzParseInfoStat \
	./integrations/haproxy:FuzzParseConfig ./integrations/httpx:FuzzRetryAfter \
	./timeline/series:FuzzReadSeries ./timeline/ledger:FuzzLedgerFold
FUZZTIME ?= 5s

.PHONY: test deps vet bench fuzz run

run:
	$(GO) run ./cmd/warroom

# deps installs what the tests drive for real: haproxy, tmux, and chromium
# (headless, to load the HTML postmortem draft).
deps:
	@missing=""; \
	for bin in haproxy tmux chromium; do \
	  command -v $$bin >/dev/null 2>&1 || [ -x /usr/sbin/$$bin ] || missing="$$missing $$bin"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: deps vet
	PATH="$$PATH:/usr/sbin" $(GO) test -race -count=1 ./...
	@for target in $(FUZZ_TARGETS); do \
	  pkg=$${target%%:*}; fn=$${target##*:}; \
	  echo "fuzzing $$fn in $$pkg for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

# bench prints every figure README's performance section quotes; the alert
# storm runs for ten seconds (ten one-second iterations).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) test -run '^$$' -bench AlertStorm -benchtime 10x -benchmem ./tui
