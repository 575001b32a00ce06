package sindy

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func names(t *testing.T, l Library, vars ...string) (string, string) {
	t.Helper()
	fs, err := l.Features(vars)
	if err != nil {
		t.Fatal(err)
	}
	var n, e []string
	for _, f := range fs {
		n = append(n, f.Name)
		e = append(e, f.Expr)
	}
	return strings.Join(n, ","), strings.Join(e, ",")
}

func TestPolynomialNames(t *testing.T) {
	for _, tc := range []struct {
		lib        Library
		vars       []string
		name, expr string
	}{
		{Polynomial{Degree: 2}, []string{"x", "y", "z"},
			"1,x,y,z,x^2,x y,x z,y^2,y z,z^2", "1,x,y,z,x^2,x*y,x*z,y^2,y*z,z^2"},
		{Polynomial{Degree: 3, NoBias: true}, []string{"x", "y"},
			"x,y,x^2,x y,y^2,x^3,x^2 y,x y^2,y^3", "x,y,x^2,x*y,y^2,x^3,x^2*y,x*y^2,y^3"},
		{Polynomial{Degree: 3, NoInteraction: true}, []string{"x", "y"},
			"1,x,y,x^2,y^2,x^3,y^3", "1,x,y,x^2,y^2,x^3,y^3"},
		{Polynomial{Degree: 3, InteractionOnly: true, NoBias: true}, []string{"a", "b", "c"},
			"a,b,c,a b,a c,b c,a b c", "a,b,c,a*b,a*c,b*c,a*b*c"},
		{Fourier{Frequencies: 1, NoCos: true}, []string{"x", "y"}, "sin(1 x),sin(1 y)", "sin(x),sin(y)"},
		{Tensor(Polynomial{Degree: 1}, Fourier{Frequencies: 1, NoSin: true}), []string{"x"},
			"cos(1 x),x cos(1 x)", "cos(x),x*cos(x)"},
		{Concat(Polynomial{Degree: 1}, Polynomial{Degree: 2, NoBias: true}), []string{"x"}, "1,x,x^2", "1,x,x^2"},
		{Tensor(Custom{{Expr: "x + 1", Func: func(float64, []float64) float64 { return 0 }}}, Polynomial{Degree: 1, NoBias: true}), []string{"x"},
			"x + 1 x", "(x + 1)*x"},
	} {
		n, e := names(t, tc.lib, tc.vars...)
		if diff := cmp.Diff(tc.name, n); diff != "" {
			t.Errorf("%T names (-want +got):\n%s", tc.lib, diff)
		}
		if diff := cmp.Diff(tc.expr, e); diff != "" {
			t.Errorf("%T exprs (-want +got):\n%s", tc.lib, diff)
		}
	}
}

func TestLibraryValues(t *testing.T) {
	fs, err := Tensor(Polynomial{Degree: 2}, Fourier{Frequencies: 2}).Features([]string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.3, -1.7}
	// Every feature's value matches its .node expression, evaluated by
	// the dsl (done in expr_test) — here spot-check by name.
	want := map[string]float64{
		"sin(1 x)":     math.Sin(0.3),
		"x y cos(2 y)": 0.3 * -1.7 * math.Cos(-3.4),
		"y^2 sin(2 x)": 1.7 * 1.7 * math.Sin(0.6),
	}
	found := 0
	for _, f := range fs {
		if w, ok := want[f.Name]; ok {
			found++
			if got := f.Eval(0, x); math.Abs(got-w) > 1e-15 {
				t.Errorf("%s = %v, want %v", f.Name, got, w)
			}
		}
	}
	if found != len(want) {
		t.Errorf("found %d of %d features", found, len(want))
	}
	if len(fs) != 6*8+6-1 { // (1 + 5 monomials)·(1 + 8 Fourier) − the constant·constant
		t.Logf("%d features", len(fs))
	}
}

func TestFactorExpr(t *testing.T) {
	for in, want := range map[string]string{
		"x": "x", "x^2": "x^2", "x*y": "x*y", "sin(x - y)": "sin(x - y)", "x - y": "(x - y)",
		"-x": "(-x)", "x^-1": "x^-1", "2e-3*x": "2e-3*x", "x/y": "(x/y)", "te-x": "(te-x)", "x+1": "(x+1)",
	} {
		if got := factorExpr(in); got != want {
			t.Errorf("factorExpr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLibraryErrors(t *testing.T) {
	for _, tc := range []struct {
		lib  Library
		vars []string
		want error
	}{
		{Polynomial{Degree: -1}, []string{"x"}, ErrSettings},
		{Fourier{}, []string{"x"}, ErrSettings},
		{Polynomial{Degree: 1}, []string{"x", "x"}, ErrName},
		{Polynomial{Degree: 1}, []string{"sin"}, ErrName},
		{Polynomial{Degree: 1}, []string{"2x"}, ErrName},
		{Polynomial{Degree: 1}, nil, ErrName},
		{Custom{{Expr: "x"}}, []string{"x"}, ErrSettings},
	} {
		if _, err := tc.lib.Features(tc.vars); !errors.Is(err, tc.want) {
			t.Errorf("%+v on %v: error %v, want %v", tc.lib, tc.vars, err, tc.want)
		}
	}
}
