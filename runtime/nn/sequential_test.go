package nn

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// TestHutchinson checks the CNF trace estimate against a finite-difference
// Jacobian and its gradient (second order) against finite differences of
// the estimate with respect to the input and the parameters.
func TestHutchinson(t *testing.T) {
	for _, c := range []struct {
		sizes []int
		act   Activation
		batch int
	}{
		{[]int{2, 16, 2}, Tanh, 1},
		{[]int{3, 10, 10, 3}, Softplus, 4},
		{[]int{2, 8, 2}, GELU, 3},
		{[]int{4, 6, 4}, Sigmoid, 2},
	} {
		t.Run(fmt.Sprintf("%v_%v_b%d", c.sizes, c.act, c.batch), func(t *testing.T) {
			m := NewMLP(c.sizes, c.act, NewRNG(9))
			d, b := c.sizes[0], c.batch
			rng := NewRNG(10)
			z := randVec(rng, d*b)
			eps := randVec(rng, d*b)
			gy := randVec(rng, d*b)
			gtr := randVec(rng, b)
			f := make([]float64, d*b)
			tr := make([]float64, b)
			m.HutchinsonTrace(z, eps, f, tr, b)

			// Trace against εᵀJε with J from finite differences.
			for r := 0; r < b; r++ {
				J := mat.NewDense(d, d, nil)
				fd.Jacobian(J, func(y, x []float64) { m.Forward(x, y, 1) }, z[r*d:(r+1)*d], nil)
				e := mat.NewVecDense(d, eps[r*d:(r+1)*d])
				var je mat.VecDense
				je.MulVec(J, e)
				closeVec(t, "trace", tr[r:r+1], []float64{mat.Dot(e, &je)}, 1e-6)
			}
			yy := make([]float64, d*b)
			m.Forward(z, yy, b)
			closeVec(t, "f", f, yy, 1e-14)

			s := func(zz []float64) float64 {
				m.HutchinsonTrace(zz, eps, f, tr, b)
				return dot(gy, f) + dot(gtr, tr)
			}
			gz := make([]float64, d*b)
			gp := make([]float64, m.NumParams())
			m.HutchinsonVJP(z, eps, gy, gtr, gz, gp, b)
			closeVec(t, "gz", gz, fd.Gradient(nil, s, z, central), 1e-6)
			p := m.Params()
			p0 := append([]float64(nil), p...)
			sp := func(pp []float64) float64 {
				copy(p, pp)
				v := s(z)
				copy(p, p0)
				return v
			}
			closeVec(t, "gθ", gp, fd.Gradient(nil, sp, p0, central), 1e-6)

			// A nil gy means the gradient of the trace term alone.
			gz2 := make([]float64, d*b)
			m.HutchinsonVJP(z, eps, nil, gtr, gz2, nil, b)
			st := func(zz []float64) float64 {
				m.HutchinsonTrace(zz, eps, f, tr, b)
				return dot(gtr, tr)
			}
			closeVec(t, "gz (trace only)", gz2, fd.Gradient(nil, st, z, central), 1e-6)
		})
	}
}

func TestParamsAlias(t *testing.T) {
	m := NewMLP([]int{2, 3, 1}, Tanh, NewRNG(1))
	if m.NumParams() != 2*3+3+3+1 {
		t.Fatalf("NumParams = %d, want 13", m.NumParams())
	}
	d0 := m.Layers()[0].(*Dense)
	m.Params()[0] = 42
	if d0.W[0] != 42 {
		t.Fatal("Params does not alias the first layer's weights")
	}
	m.Params()[m.NumParams()-1] = -7
	if d := m.Layers()[2].(*Dense); d.B[0] != -7 {
		t.Fatal("Params does not alias the last layer's bias")
	}
	// Rebinding to external storage keeps values where the caller puts them.
	ext := make([]float64, m.NumParams()+2)
	copy(ext[1:], m.Params())
	m.SetParams(ext[1 : 1+m.NumParams()])
	ext[1] = 5
	if d0.W[0] != 5 {
		t.Fatal("SetParams did not rebind the layers")
	}
	want := []string{"0.weight", "0.bias", "2.weight", "2.bias"}
	for i, s := range m.ParamSpecs() {
		if s.Name != want[i] {
			t.Errorf("spec %d = %q, want %q", i, s.Name, want[i])
		}
	}
}

func TestMLPReproducible(t *testing.T) {
	a := NewMLP([]int{3, 7, 2}, ReLU, NewRNG(123))
	b := NewMLP([]int{3, 7, 2}, ReLU, NewRNG(123))
	c := NewMLP([]int{3, 7, 2}, ReLU, NewRNG(124))
	closeVec(t, "same seed", a.Params(), b.Params(), 0)
	same := true
	for i := range a.Params() {
		same = same && a.Params()[i] == c.Params()[i]
	}
	if same {
		t.Error("different seeds gave identical parameters")
	}
}

func TestMLPNoAllocs(t *testing.T) {
	m := NewMLP([]int{2, 50, 2}, Tanh, NewRNG(1))
	for _, b := range []int{1, 20} {
		x := randVec(NewRNG(2), 2*b)
		y := make([]float64, 2*b)
		gy := randVec(NewRNG(3), 2*b)
		gx := make([]float64, 2*b)
		gp := make([]float64, m.NumParams())
		tr := make([]float64, b)
		gtr := randVec(NewRNG(4), b)
		step := func() {
			m.Forward(x, y, b)
			m.Backward(gy, gx, gp)
			m.VJP(x, gy, gx, gp, b)
			m.HutchinsonTrace(x, gy, y, tr, b)
			m.HutchinsonVJP(x, gy, gy, gtr, gx, gp, b)
		}
		step() // warm-up grows the workspace
		if a := testing.AllocsPerRun(50, step); a != 0 && !raceEnabled {
			t.Errorf("batch %d: %v allocations per forward+backward, want 0", b, a)
		}
	}
}

// TestConvNet checks a small image network (the ODE-Net block shape:
// conv, group norm, activation, flatten, dense) end to end against finite
// differences, and that its training pass allocates nothing after warm-up.
func TestConvNet(t *testing.T) {
	conv := NewConv2d(2, 4, 5, 5, 3, 1, 1, NewRNG(1))
	gn := NewGroupNorm(4, 25, 2)
	randomizeParams(gn, 3)
	s := NewSequential(conv, gn, NewAct(ReLU, 100), NewConv2d(4, 2, 5, 5, 3, 2, 0, NewRNG(2)), NewAct(Softplus, 8), NewDense(8, 3, NewRNG(3)))
	if !s.IsDual() {
		t.Error("conv, group norm, ReLU and dense: the Sequential is not dual")
	}
	checkLayer(t, s.AsLayer(), 2, nil, 4, 1e-6)

	const b = 3
	x := randVec(NewRNG(5), b*s.InSize())
	y := make([]float64, b*s.OutSize())
	gy := randVec(NewRNG(6), b*s.OutSize())
	gx := make([]float64, b*s.InSize())
	gp := make([]float64, s.NumParams())
	step := func() {
		s.Forward(x, y, b)
		s.Backward(gy, gx, gp)
	}
	step()
	if a := testing.AllocsPerRun(10, step); a != 0 && !raceEnabled {
		t.Errorf("%v allocations per forward+backward, want 0", a)
	}
}

// TestConvDualInSequential checks second-order derivatives through a
// Sequential of convolutions and smooth activations.
func TestConvDualInSequential(t *testing.T) {
	s := NewSequential(NewConv2d(1, 3, 4, 4, 3, 1, 1, NewRNG(1)), NewAct(Tanh, 48), NewConv2d(3, 1, 4, 4, 3, 1, 1, NewRNG(2)))
	if !s.IsDual() {
		t.Fatal("conv+tanh+conv is not dual")
	}
	checkLayer(t, s.AsLayer(), 2, nil, 7, 1e-6)
}

func TestParseActivation(t *testing.T) {
	for a := Identity; a < numActivations; a++ {
		got, err := ParseActivation(a.String())
		if err != nil || got != a {
			t.Errorf("ParseActivation(%q) = %v, %v", a.String(), got, err)
		}
	}
	for name, want := range map[string]Activation{"TANH": Tanh, " linear ": Identity, "gaussian": GaussianRBF, "ReLU": ReLU} {
		if got, err := ParseActivation(name); err != nil || got != want {
			t.Errorf("ParseActivation(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := ParseActivation("swish"); !errors.Is(err, ErrUnknownActivation) || !strings.Contains(err.Error(), `"swish"`) {
		t.Errorf("ParseActivation(swish) error = %v", err)
	}
}

func TestActivationValues(t *testing.T) {
	for _, c := range []struct {
		a       Activation
		x, want float64
	}{
		{Tanh, 0.5, math.Tanh(0.5)},
		{ReLU, -1, 0},
		{ReLU, 2, 2},
		{Softplus, 0, math.Ln2},
		{Softplus, 800, 800},
		{Softplus, -800, 0},
		{Sigmoid, 0, 0.5},
		{Sigmoid, -800, 0},
		{ELU, -1, math.Exp(-1) - 1},
		{GELU, 1, 0.8413447460685429},
		{GELU, -1, -0.15865525393145707},
		{Sin, 1, math.Sin(1)},
		{GaussianRBF, 2, math.Exp(-4)},
	} {
		if got := c.a.Eval(c.x); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%v(%v) = %v, want %v", c.a, c.x, got, c.want)
		}
	}
}

func TestCloneConcurrent(t *testing.T) {
	s := NewSequential(NewConv2d(1, 2, 4, 4, 3, 1, 1, NewRNG(1)), NewAct(Tanh, 32), NewDense(32, 3, NewRNG(2)))
	const b = 4
	x := randVec(NewRNG(3), b*16)
	gy := randVec(NewRNG(4), b*3)
	want := make([]float64, s.NumParams())
	s.VJP(x, gy, nil, want, b)

	clones := []*Sequential{s, s.Clone(), s.Clone()}
	got := make([][]float64, len(clones))
	done := make(chan int)
	for i, c := range clones {
		got[i] = make([]float64, s.NumParams())
		go func() {
			for range 20 {
				clear(got[i])
				c.VJP(x, gy, nil, got[i], b)
			}
			done <- i
		}()
	}
	for range clones {
		<-done
	}
	for i := range clones {
		closeVec(t, "clone gradient", got[i], want, 0)
	}
	s.Params()[0] += 1
	if clones[1].Params()[0] != s.Params()[0] {
		t.Error("clone does not share parameters")
	}
}
