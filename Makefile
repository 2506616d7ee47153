# stackpit — the two commands a newcomer needs:
#   make demo   build and run the cockpit against the built-in demo cloud
#   make test   install test dependencies, then run every test (unit, golden,
#               race, tmux end-to-end, real-server integration)
GO      ?= go
BIN     := bin/stackpit
PKGS    := ./...

.PHONY: all build demo test unit lint e2e integration bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/stackpit

demo: build
	./$(BIN) --demo

test: lint unit integration

lint:
	@bash testenv/deps.sh
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# Unit, golden and tmux end-to-end tests, with the race detector.
unit:
	STACKPIT_REQUIRE_TMUX=1 $(GO) test -race -count=1 -timeout 30m $(PKGS)

# Real servers (Prometheus, Alertmanager, Ceph, Loki, Docker, OpenStack,
# RabbitMQ/HAProxy/memcached),
# installed and started by the project's own scripts.
integration:
	bash testenv/integration.sh

bench:
	bash testenv/bench.sh

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzText -fuzztime 30s ./ui/safe
	$(GO) test -run '^$$' -fuzz FuzzPad -fuzztime 30s ./ui/safe
	$(GO) test -run '^$$' -fuzz FuzzClipboard -fuzztime 30s ./ui/safe

clean:
	rm -rf bin
