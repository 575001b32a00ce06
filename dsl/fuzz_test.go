package dsl

import (
	"os"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, path := range []string{"testdata/examples.node", "testdata/format/messy.node"} {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
		for _, m := range strings.SplitAfter(string(src), "\n}\n") {
			f.Add(m)
		}
	}
	for _, s := range []string{
		"model M {\n  state x = 1\n  x' = y\n}",
		"model M {\n  state h[2] = [1, 2]\n  h' = [h[2], h[0]]\n}",
		"model M {\n  state x = 1\n  x'' = -x\n}",
		"model M {\n  coord q = 1\n  momentum p = 0\n  hamiltonian = p^2*q\n}",
		"model M {\n  state x = 1\n  net U = mlp(x; act = swoosh, out = 1)\n  x' = U[0]\n}",
		"model M {\n  let a = b\n  let b = a\n  state x = a\n  x' = 1\n}",
		"model M { state x = 1 x' = -x^2^-1 }",
		"model",
		"model M {",
		"(((((",
	} {
		f.Add(s)
	}
}

// FuzzParse: Parse never panics; what parses formats idempotently to a
// file that parses again.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("fuzz.node", []byte(src))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out := Format(file)
		again, err := Parse("fuzz.node", out)
		if err != nil {
			t.Fatalf("formatted source does not parse: %v\n%s", err, out)
		}
		if out2 := Format(again); string(out2) != string(out) {
			t.Fatalf("fmt not idempotent:\n%s\n---\n%s", out, out2)
		}
	})
}

// FuzzCheck: Check never panics and either returns a model error or a
// program whose every state component has an equation.
func FuzzCheck(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := Compile("fuzz.node", []byte(src))
		if err != nil {
			return
		}
		for _, m := range prog.Models {
			if len(m.Eqs) != m.Dim || m.Dim == 0 {
				t.Fatalf("%s: %d equations for dimension %d", m.Name, len(m.Eqs), m.Dim)
			}
			for i, e := range m.Eqs {
				if e == nil {
					t.Fatalf("%s: component %d has no equation", m.Name, i)
				}
			}
			mach := NewMachine(m.Dim, m.NumDeclared, m.Nets, m.Eqs, m.Noise)
			_ = mach
		}
	})
}
