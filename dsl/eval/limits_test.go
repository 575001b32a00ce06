package eval

import (
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
