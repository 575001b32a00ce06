package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nodekit/nodekit/runtime/ode"
	"gonum.org/v1/gonum/diff/fd"
)

// hnnSrc holds Hamiltonian models whose hamiltonian uses a net.
const hnnSrc = `model HNN {
    coord q = 1
    momentum p = 0
    net H = mlp(q, p; hidden = [16, 16], act = tanh, out = 1)
    hamiltonian = H
}
model Mixed {
    param k = 1.5
    coord q[2] = [1, 0]
    momentum p[2] = [0, 0.5]
    net U = mlp(q, p, k*t; hidden = [8], act = softplus, out = 2)
    hamiltonian = (p[0]^2 + p[1]^2)/2 + k*U[0]*U[1] + sin(U[1])
}
model SepHNN {
    param m = 1.5
    coord q[2] = [1, 0]
    momentum p[2] = [0, 0.8]
    net V = mlp(q; hidden = [16], act = tanh, out = 1)
    hamiltonian = (p[0]^2 + p[1]^2)/(2*m) + (q[0]^2 + q[1]^2)/2 + 0.5*V[0]
}
`

// TestNetHamiltonianFunc checks q' = ∂H/∂p, p' = −∂H/∂q against finite
// differences of the energy.
func TestNetHamiltonianFunc(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, name := range []string{"HNN", "Mixed", "SepHNN"} {
		s := compile(t, hnnSrc, name)
		n := s.Dim()
		h := n / 2
		y := make([]float64, n)
		dy := make([]float64, n)
		grad := make([]float64, n)
		for trial := 0; trial < 3; trial++ {
			randomPoint(rng, y)
			tt := rng.Float64()
			s.Func(tt, y, dy)
			fd.Gradient(grad, func(x []float64) float64 { return s.Hamiltonian(tt, x) }, y, &fd.Settings{Formula: fd.Central})
			for i := 0; i < h; i++ {
				if d := math.Abs(dy[i] - grad[h+i]); d > 1e-7*(1+math.Abs(grad[h+i])) {
					t.Errorf("%s: q'[%d] = %v, ∂H/∂p by finite differences %v", name, i, dy[i], grad[h+i])
				}
				if d := math.Abs(dy[h+i] + grad[i]); d > 1e-7*(1+math.Abs(grad[i])) {
					t.Errorf("%s: p'[%d] = %v, −∂H/∂q by finite differences %v", name, i, dy[h+i], -grad[i])
				}
			}
		}
	}
}

// TestNetHamiltonianDerivatives checks Jac, VJP (state, declared
// parameters and every net weight) and DfDt — second derivatives of the
// net — against finite differences, and that they allocate nothing.
func TestNetHamiltonianDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, name := range []string{"HNN", "Mixed", "SepHNN"} {
		s := compile(t, hnnSrc, name)
		checkDerivatives(t, s, rng, 1e-6)

		n := s.Dim()
		y := s.InitialState()
		dy, ay := make([]float64, n), make([]float64, n)
		J := make([]float64, n*n)
		a := make([]float64, n)
		randomPoint(rng, a)
		ap := make([]float64, len(s.Params()))
		s.VJP(0, y, a, ay, ap)
		allocs := testing.AllocsPerRun(20, func() {
			s.Func(0.1, y, dy)
			s.Jac(0.1, y, J)
			s.VJP(0.1, y, a, ay, ap)
			s.VJP(0.1, y, a, ay, nil)
			s.DfDt(0.1, y, dy)
			_ = s.Hamiltonian(0.1, y)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
	}
}

// TestNetHamiltonianEnergy: a random-weight HNN conserves its own energy
// along trajectories — H(q, p) of a net is not separable, so with an
// adaptive (dopri5) and an implicit (radau5, using the exact Jac) method
// at tight tolerance; the separable T(p) + V(q) model with symplectic
// integrators, whose energy error stays bounded without drift.
func TestNetHamiltonianEnergy(t *testing.T) {
	s := compile(t, hnnSrc, "HNN")
	if s.AsSeparable() != nil {
		t.Fatal("a net H(q, p) reported separable")
	}
	y0 := s.InitialState()
	// Scale the weights up so the flow is not nearly linear.
	for i, v := range s.Params() {
		s.Params()[i] = 2 * v
	}
	ts := make([]float64, 101)
	for i := range ts {
		ts[i] = 0.2 * float64(i)
	}
	H0 := s.Hamiltonian(0, y0)
	for _, m := range []struct {
		method string
		tol    float64
	}{{"dopri5", 1e-8}, {"radau5", 1e-7}} {
		sol, err := ode.Solve(s, y0, ts, &ode.Options{Method: m.method, RTol: 1e-10, ATol: 1e-12})
		if err != nil {
			t.Fatalf("%s: %v", m.method, err)
		}
		moved := 0.0
		for i, y := range sol.Y {
			if d := math.Abs(s.Hamiltonian(ts[i], y) - H0); d > m.tol*(1+math.Abs(H0)) {
				t.Fatalf("%s: |H(%v) − H(0)| = %.3g", m.method, ts[i], d)
			}
			moved = math.Max(moved, math.Hypot(y[0]-y0[0], y[1]-y0[1]))
		}
		if moved < 0.1 {
			t.Fatalf("%s: the trajectory hardly moves (%.3g): the test would prove nothing", m.method, moved)
		}
	}

	sepSys := compile(t, hnnSrc, "SepHNN")
	sep := sepSys.AsSeparable()
	if sep == nil {
		t.Fatal("T(p) + V(q) with a net V(q) should be separable")
	}
	y0 = sepSys.InitialState()
	H0 = sepSys.Hamiltonian(0, y0)
	ts = make([]float64, 201)
	for i := range ts {
		ts[i] = 0.5 * float64(i) // about 15 periods
	}
	for _, m := range []struct {
		method string
		h, tol float64
	}{{"leapfrog", 0.01, 5e-5}, {"yoshida4", 0.02, 2e-8}} {
		sol, err := ode.Solve(sep, y0, ts, &ode.Options{Method: m.method, StepSize: m.h})
		if err != nil {
			t.Fatalf("%s: %v", m.method, err)
		}
		worst := 0.0
		for i, y := range sol.Y {
			worst = math.Max(worst, math.Abs(sepSys.Hamiltonian(ts[i], y)-H0))
		}
		if worst > m.tol {
			t.Errorf("%s: energy error %.3g over %v time units, want ≤ %g", m.method, worst, ts[len(ts)-1], m.tol)
		}
		t.Logf("%s h=%v: max |H − H0| = %.3g", m.method, m.h, worst)
	}
}
