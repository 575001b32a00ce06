# nodekit — the targets a newcomer looks for.
GO ?= go
STATICCHECK_VERSION ?= v0.8.2

.PHONY: all test test-noasm demo bench lint generate check-generate fuzz

all: lint test

## test: the whole test suite (what CI and the README run)
test:
	$(GO) test ./...

## test-noasm: the suite again with the pure-Go kernels only
test-noasm:
	$(GO) test -tags noasm ./runtime/... ./models/... ./examples/...

## demo: solve Lorenz, write out/lorenz.csv and out/lorenz.png
demo:
	$(GO) run ./examples/lorenz

## bench: every figure of BENCHMARKS.md, with the yardsticks beside them (writes bench-out/)
bench:
	scripts/bench-report.sh bench-out

## lint: gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## generate: regenerate generated code (SIMD assembly, xmath tables, generated example models)
generate:
	$(GO) generate ./...

## check-generate: fail if committed generated code differs from its generator's output
check-generate:
	.ci/check-generate

## fuzz: run each fuzz target for a while (seed corpora already run in `make test`)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 60s $$pkg || exit 1; \
	  done; \
	done
