package eval

import (
	"math"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

// TestManyParamsReverse: a net-free model with more than
// MaxSymbolicParams declared parameters uses reverse mode, with the same
// exact VJP. (The symbolic programs take a pass over the equations per
// parameter, so New's cost grew as parameters × equations: 8192
// parameters and a three-factor product took 0.6 s, and the checker
// allows 2^20 parameters.)
func TestManyParamsReverse(t *testing.T) {
	prog, err := dsl.Compile("w.node", []byte("model W {\n  state x = 2\n  param w[65536] = 0.5\n  x' = -w[0]*x + w[65535]\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(prog.Models[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.sym {
		t.Fatal("symbolic programs for 65536 parameters")
	}
	s.Params()[0], s.Params()[65535] = 0.25, 3
	y, a, ay := []float64{2}, []float64{1.5}, []float64{0}
	ap := make([]float64, 65536)
	ap[1] = 7 // accumulated into, not overwritten
	s.VJP(0.1, y, a, ay, ap)
	if ay[0] != -0.25*1.5 || ap[0] != -2*1.5 || ap[65535] != 1.5 || ap[1] != 7 {
		t.Errorf("ay %v, ap[0] %v, ap[65535] %v, ap[1] %v", ay[0], ap[0], ap[65535], ap[1])
	}
	dy := []float64{0}
	s.Func(0, y, dy)
	if dy[0] != -0.25*2+3 {
		t.Errorf("f = %v", dy[0])
	}
}

// TestPowExponentGradientAtZero: d(x^n)/dn = x^n·log(x) is 0 at x = 0 for
// n > 0 (x^n is 0 for every such n), so a model at the equilibrium x = 0
// has a finite gradient for its exponent. It was 0·(−∞) = NaN in both the
// symbolic programs and reverse mode, poisoning training from x(0) = 0.
func TestPowExponentGradientAtZero(t *testing.T) {
	prog, err := dsl.Compile("p.node", []byte("model P {\n  state x = 0\n  param n = 2.5\n  x' = 1 - x^n\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, reverse := range []bool{false, true} {
		s, err := New(prog.Models[0], &Options{reverse: reverse})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ x, ap, ay float64 }{
			{0, 0, 0},
			{2, -0.5 * math.Pow(2, 2.5) * math.Log(2), -0.5 * 2.5 * math.Pow(2, 1.5)},
		} {
			ay, ap := []float64{0}, []float64{0}
			s.VJP(0, []float64{tc.x}, []float64{0.5}, ay, ap)
			if !(math.Abs(ap[0]-tc.ap) <= 1e-14) || !(math.Abs(ay[0]-tc.ay) <= 1e-14) {
				t.Errorf("reverse %v, x = %v: ay %v ap %v, want %v %v", reverse, tc.x, ay[0], ap[0], tc.ay, tc.ap)
			}
		}
	}
}
