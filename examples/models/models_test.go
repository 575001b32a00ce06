// Package models holds the example .node models of the README; this test
// keeps every one of them parsing, formatting to itself and simulating.
package models

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"github.com/nodekit/nodekit/runtime/ode"
)

func TestExampleModels(t *testing.T) {
	files, err := filepath.Glob("*.node")
	if err != nil || len(files) < 7 {
		t.Fatalf("found %d example models (err %v), want the 7 of the README", len(files), err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := dsl.Parse(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := dsl.Format(f); string(got) != string(src) {
			t.Errorf("%s is not in canonical form (run nodekit fmt -w)", name)
		}
		prog, err := dsl.Check(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range prog.Models {
			sys, err := eval.New(m, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sol, err := ode.Solve(sys, sys.InitialState(), []float64{0, 1}, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, v := range sol.Y[1] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s: non-finite state %v", name, sol.Y[1])
				}
			}
		}
	}
}
