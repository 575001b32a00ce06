package sindy

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

// TestValidNameAgreesWithDSL: every name ValidName accepts must be
// declarable as a state in a .node file and every name it refuses must
// not be, or Node emits models that `nodekit check` rejects.
func TestValidNameAgreesWithDSL(t *testing.T) {
	names := []string{
		// .node keywords and built-in functions
		"model", "param", "const", "state", "let", "output", "noise", "wiener", "coord", "momentum",
		"hamiltonian", "net", "augment", "mlp", "t", "sin", "cos", "tan", "exp", "log", "sqrt", "abs",
		"tanh", "sigmoid", "softplus", "relu", "sign", "min", "max", "pow", "ifelse",
		// Go keywords and predeclared names, fine in .node
		"func", "type", "range", "go", "var", "map", "return", "package", "import", "len", "nil", "true",
		// ordinary and odd identifiers
		"x", "x_", "_", "__", "M", "Inf", "NaN", "pi", "e", "c0", "dt", "y0", "T", "Sin",
	}
	for _, n := range names {
		src := "model M {\n    state " + n + " = 1\n    " + n + "' = -" + n + "\n}\n"
		_, err := dsl.Compile("name.node", []byte(src))
		if got := ValidName(n); got != (err == nil) {
			t.Errorf("ValidName(%q) = %v, but the .node compiler says %v", n, got, err)
		}
	}
	// A model fitted with such a name is refused up front.
	ts, xs := expDecay(20)
	_, err := Fit([]Trajectory{{T: ts, X: xs}}, &Settings{Names: []string{"sign", "x"}})
	if !errors.Is(err, ErrName) {
		t.Errorf("Fit with a state named sign: err = %v, want ErrName", err)
	}
}

// expDecay samples x' = −x, y' = −2y.
func expDecay(n int) ([]float64, [][]float64) {
	ts := make([]float64, n)
	xs := make([][]float64, n)
	for i := range ts {
		ts[i] = 0.05 * float64(i)
		xs[i] = []float64{math.Exp(-ts[i]), 2 * math.Exp(-2*ts[i])}
	}
	return ts, xs
}

// TestUnderdetermined: an unregularised least-squares fit of more terms
// than there are samples has no unique answer; it is an ErrSingular that
// says so, not an arbitrary answer from a jittered solve. With ridge
// regularisation it is well posed and fits.
func TestUnderdetermined(t *testing.T) {
	ts, xs := expDecay(6)
	lib := Polynomial{Degree: 3} // 10 features for 2 states, 6 samples
	for _, opt := range []Optimizer{
		STLSQ{Threshold: 0.01},
		STLSQ{Threshold: 0.01, Alpha: 0.05, Unbias: true, MaxIter: 1},
	} {
		_, err := Fit([]Trajectory{{T: ts, X: xs}}, &Settings{Library: lib, Optimizer: opt})
		if !errors.Is(err, ErrSingular) || !strings.Contains(err.Error(), "6 samples") {
			t.Errorf("%+v: err = %v, want ErrSingular naming the 6 samples", opt, err)
		}
	}
	if _, err := Fit([]Trajectory{{T: ts, X: xs}}, &Settings{Library: lib, Optimizer: STLSQ{Threshold: 0.01, Alpha: 0.05}}); err != nil {
		t.Errorf("ridge fit of 10 terms to 6 samples: %v", err)
	}
	// Enough samples: the same unregularised fit is fine.
	ts, xs = expDecay(40)
	if _, err := Fit([]Trajectory{{T: ts, X: xs}}, &Settings{Library: lib, Optimizer: STLSQ{Threshold: 0.01}}); err != nil {
		t.Errorf("10 terms, 40 samples: %v", err)
	}
}
