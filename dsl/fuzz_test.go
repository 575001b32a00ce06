package dsl

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, path := range []string{"testdata/examples.node", "testdata/noise.node", "testdata/format/messy.node", "testdata/format/noise.node"} {
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
		"model M {\n  state x = 1\n  wiener w[2]\n  x' = -x\n  noise x = x*w[0] + w[1]/2\n}",
		"model M {\n  state x = 1\n  wiener w\n  x' = -x\n  noise x = w*w\n}",
		"model M {\n  state h[2] = 1\n  wiener w[2], v\n  h' = -h\n  noise h = h*w + ifelse(h[0], v, -v)\n}",
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
			checkPositions(t, err)
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
			checkPositions(t, err)
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
			if m.IsSDE() {
				want := m.Dim
				if m.NoiseKind != NoiseDiagonal {
					want *= m.NoiseDim
				}
				if len(m.Noise) != want || m.NoiseKind == NoNoise {
					t.Fatalf("%s: %v noise with %d entries for dimension %d and %d Wiener processes", m.Name, m.NoiseKind, len(m.Noise), m.Dim, m.NoiseDim)
				}
				for _, e := range m.Noise {
					if e == nil || DependsOn(e, func(l *Expr) bool { return l.Op == OpState && l.Index >= m.Dim }) {
						t.Fatalf("%s: noise entry %v is missing or refers to a Wiener process", m.Name, e)
					}
				}
			}
			mach := NewMachine(m.Dim, m.NumDeclared, m.Nets, m.Eqs, m.Noise)
			_ = mach
		}
	})
}

// checkPositions: a model error is an ErrorList of at most maxErrors
// *Errors, each with a kind, a message and a position in the file, and
// printed as "fuzz.node:line:col: message" in printable text.
func checkPositions(t *testing.T, err error) {
	t.Helper()
	list, ok := err.(ErrorList)
	if !ok || len(list) == 0 || len(list) > maxErrors {
		t.Fatalf("error %T with %d entries: %v", err, len(list), err)
	}
	for _, e := range list {
		if e.Pos.Filename != "fuzz.node" || e.Pos.Line < 1 || e.Pos.Column < 1 || e.Msg == "" || e.Kind == nil {
			t.Fatalf("error without a position, message or kind: %#v", e)
		}
		prefix := fmt.Sprintf("fuzz.node:%d:%d: ", e.Pos.Line, e.Pos.Column)
		if s := e.Error(); !strings.HasPrefix(s, prefix) {
			t.Fatalf("%q does not start with %q", s, prefix)
		}
		for _, r := range e.Error() {
			if r < 0x20 && r != '\n' && r != '\t' {
				t.Fatalf("control character %q in %q", r, e.Error())
			}
		}
	}
}
