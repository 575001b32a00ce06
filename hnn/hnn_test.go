package hnn

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
	"gonum.org/v1/gonum/diff/fd"
)

func randVec(rng *rand.Rand, v []float64) {
	for i := range v {
		v[i] = 2*rng.Float64() - 1
	}
}

func close(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*(1+math.Abs(want)) {
		t.Errorf("%s = %v, finite differences %v", what, got, want)
	}
}

// TestDerivatives checks the field against finite differences of the
// energy, VJP (state and weights) and the loss gradient (a second
// derivative of the net) against finite differences.
func TestDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dof := range []int{1, 2} {
		m := NewWithRNG(dof, []int{8, 8}, nn.Tanh, nn.NewRNG(uint64(dof)))
		n := m.Dim()
		theta := m.Params()
		x, f, a := make([]float64, n), make([]float64, n), make([]float64, n)
		randVec(rng, x)
		randVec(rng, a)
		m.Func(0, x, f)
		g := fd.Gradient(nil, m.Energy, x, &fd.Settings{Formula: fd.Central})
		for i := 0; i < dof; i++ {
			close(t, "q'", f[i], g[dof+i], 1e-7)
			close(t, "p'", f[dof+i], -g[i], 1e-7)
		}
		af := func(y []float64) float64 {
			fy := make([]float64, n)
			m.Func(0, y, fy)
			s := 0.0
			for i := range fy {
				s += a[i] * fy[i]
			}
			return s
		}
		ay, ap := make([]float64, n), make([]float64, len(theta))
		m.VJP(0, x, a, ay, ap)
		gy := fd.Gradient(nil, af, x, &fd.Settings{Formula: fd.Central})
		for i := range ay {
			close(t, "VJP ay", ay[i], gy[i], 1e-6)
		}
		onTheta := func(k int, fn func() float64) float64 {
			orig := theta[k]
			defer func() { theta[k] = orig }()
			return fd.Derivative(func(v float64) float64 { theta[k] = v; return fn() }, orig, &fd.Settings{Formula: fd.Central})
		}
		for k := 0; k < len(theta); k += 3 {
			close(t, "VJP ap", ap[k], onTheta(k, func() float64 { return af(x) }), 1e-6)
		}

		// Loss gradient over a batch.
		const N = 7
		X, DX := make([]float64, N*n), make([]float64, N*n)
		randVec(rng, X)
		randVec(rng, DX)
		grad := make([]float64, len(theta))
		L := m.Loss(X, DX, grad)
		// The loss by hand from Func.
		want := 0.0
		for r := 0; r < N; r++ {
			m.Func(0, X[r*n:(r+1)*n], f)
			for i := range f {
				e := f[i] - DX[r*n+i]
				want += e * e
			}
		}
		close(t, "Loss", L, want/N, 1e-14)
		for k := 0; k < len(theta); k += 2 {
			close(t, "∂L/∂θ", grad[k], onTheta(k, func() float64 { return m.Loss(X, DX, nil) }), 1e-6)
		}

		b := NewBaselineWithRNG(dof, []int{8}, nn.Tanh, nn.NewRNG(3))
		bt := b.Params()
		bgrad := make([]float64, len(bt))
		b.Loss(X, DX, bgrad)
		for k := 0; k < len(bt); k += 2 {
			orig := bt[k]
			gk := fd.Derivative(func(v float64) float64 {
				bt[k] = v
				defer func() { bt[k] = orig }()
				return b.Loss(X, DX, nil)
			}, orig, &fd.Settings{Formula: fd.Central})
			close(t, "baseline ∂L/∂θ", bgrad[k], gk, 1e-6)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	m := New(1, []int{16, 16}, nn.Tanh)
	x, f, a, ay := []float64{0.3, -0.2}, make([]float64, 2), []float64{1, -1}, make([]float64, 2)
	ap := make([]float64, len(m.Params()))
	X, DX := make([]float64, 64), make([]float64, 64)
	m.Loss(X, DX, ap)
	m.VJP(0, x, a, ay, ap)
	if n := testing.AllocsPerRun(20, func() {
		m.Func(0, x, f)
		m.VJP(0, x, a, ay, ap)
		m.Loss(X, DX, ap)
		_ = m.Energy(x)
	}); n != 0 && !raceEnabled {
		t.Errorf("%v allocations per call", n)
	}
}

func TestTrainErrors(t *testing.T) {
	m := New(1, []int{4}, nn.Tanh)
	for _, c := range []struct {
		x, dx []float64
		o     *TrainOptions
		want  error
	}{
		{nil, nil, nil, ErrData},
		{[]float64{1, 2, 3}, []float64{1, 2, 3}, nil, ErrData},
		{[]float64{1, 2}, []float64{1}, nil, ErrData},
		{[]float64{1, math.NaN()}, []float64{1, 2}, nil, ErrData},
		{[]float64{1, 2}, []float64{1, 2}, &TrainOptions{Epochs: -1}, ErrOptions},
		{[]float64{1, 2}, []float64{1, 2}, &TrainOptions{Epochs: 2, Optimizer: nanOpt{}}, ErrDiverge},
	} {
		if _, err := m.Train(c.x, c.dx, c.o); !errors.Is(err, c.want) {
			t.Errorf("Train(%v, %v): %v, want %v", c.x, c.dx, err, c.want)
		}
	}
}

// nanOpt is an optimiser that breaks the weights.
type nanOpt struct{}

func (nanOpt) Step(p, _ []float64)       { p[0] = math.NaN() }
func (nanOpt) LearningRate() float64     { return 0 }
func (nanOpt) SetLearningRate(_ float64) {}
func (nanOpt) Reset()                    {}

// system is a known Hamiltonian system of one degree of freedom.
type system struct {
	name   string
	energy func(q, p float64) float64
	field  func(q, p float64) (dq, dp float64)
	period float64
	x0     []float64
	lo, hi float64 // sample box for q and p
}

var (
	spring = system{
		name:   "spring",
		energy: func(q, p float64) float64 { return (q*q + p*p) / 2 },
		field:  func(q, p float64) (float64, float64) { return p, -q },
		period: 2 * math.Pi, x0: []float64{1, 0}, lo: -1.5, hi: 1.5,
	}
	// The pendulum H = p²/2 + 2(1 − cos q) (ω₀ = √2), released at q = 1.
	pendulum = system{
		name:   "pendulum",
		energy: func(q, p float64) float64 { return p*p/2 + 2*(1-math.Cos(q)) },
		field:  func(q, p float64) (float64, float64) { return p, -2 * math.Sin(q) },
		period: 4.7, x0: []float64{1, 0}, lo: -1.6, hi: 1.6,
	}
)

// samples draws n points (q, p) in the sample box with their time
// derivatives, adding Gaussian noise of standard deviation sigma to the
// derivatives.
func (s system) samples(n int, sigma float64, rng *rand.Rand) (x, dx []float64) {
	x, dx = make([]float64, 2*n), make([]float64, 2*n)
	for r := 0; r < n; r++ {
		q := s.lo + (s.hi-s.lo)*rng.Float64()
		p := s.lo + (s.hi-s.lo)*rng.Float64()
		dq, dp := s.field(q, p)
		x[2*r], x[2*r+1] = q, p
		dx[2*r], dx[2*r+1] = dq+sigma*rng.NormFloat64(), dp+sigma*rng.NormFloat64()
	}
	return x, dx
}

// drift rolls sys out from s.x0 over the given number of periods of the
// true system and returns the energy drift — the change of the true
// energy's mean over one period from the first period to the last, which
// a conservative model keeps near zero even where its learned energy
// differs a little from the true one —, the largest deviation of the true
// energy from its initial value, and the largest distance from the true
// trajectory.
func (s system) drift(t *testing.T, sys ode.System, periods int) (drift, dE, dx float64) {
	t.Helper()
	const per = 80
	ts := make([]float64, periods*per+1)
	for i := range ts {
		ts[i] = s.period * float64(i) / per
	}
	opts := &ode.Options{Method: "dopri5", RTol: 1e-9, ATol: 1e-11}
	got, err := ode.Solve(sys, s.x0, ts, opts)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := ode.Solve(&ode.Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = s.field(y[0], y[1]) }}, s.x0, ts, opts)
	if err != nil {
		t.Fatal(err)
	}
	E0 := s.energy(s.x0[0], s.x0[1])
	var first, last float64
	for i, y := range got.Y {
		e := s.energy(y[0], y[1])
		dE = math.Max(dE, math.Abs(e-E0))
		dx = math.Max(dx, math.Hypot(y[0]-truth.Y[i][0], y[1]-truth.Y[i][1]))
		if i < per {
			first += e / per
		}
		if i >= len(ts)-per {
			last += e / per
		}
	}
	return math.Abs(last - first), dE, dx
}

// TestEnergyConservation trains an HNN and a baseline neural ODE of the
// same size with the same optimiser, data and budget on noisy samples of
// the ideal spring and the pendulum, and rolls both out over ten
// periods: the HNN's energy drifts at least ten times less, its energy
// error stays small and its trajectory close to the true one (the phase
// error of a slightly wrong frequency grows linearly, so the bound is
// loose).
func TestEnergyConservation(t *testing.T) {
	for _, s := range []system{spring, pendulum} {
		t.Run(s.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			x, dx := s.samples(400, 0.05, rng)
			hidden := []int{32, 32}
			opts := func() *TrainOptions {
				return &TrainOptions{Epochs: 150, BatchSize: 40, Optimizer: nn.NewAdam(3e-3),
					Schedule: func(ep int) float64 { return 3e-3 * math.Pow(0.1, float64(ep)/150) }}
			}
			m := NewWithRNG(1, hidden, nn.Tanh, nn.NewRNG(5))
			lm, err := m.Train(x, dx, opts())
			if err != nil {
				t.Fatal(err)
			}
			b := NewBaselineWithRNG(1, hidden, nn.Tanh, nn.NewRNG(5))
			lb, err := b.Train(x, dx, opts())
			if err != nil {
				t.Fatal(err)
			}
			// Both fit the noisy field down to about the noise (2σ² = 0.005).
			if lm > 0.02 || lb > 0.02 {
				t.Fatalf("training losses: HNN %.3g, baseline %.3g", lm, lb)
			}
			driftM, dEm, dxm := s.drift(t, m, 10)
			driftB, dEb, dxb := s.drift(t, b, 10)
			t.Logf("loss HNN %.4f baseline %.4f; over 10 periods: energy drift HNN %.3g baseline %.3g (ratio %.0f), max |E − E0| HNN %.3g baseline %.3g, trajectory error HNN %.3g baseline %.3g",
				lm, lb, driftM, driftB, driftB/driftM, dEm, dEb, dxm, dxb)
			if driftB < 10*driftM {
				t.Errorf("energy drift: HNN %.3g, baseline %.3g: want the HNN's ≥ 10× smaller", driftM, driftB)
			}
			if dEm > 0.05 {
				t.Errorf("HNN energy error %.3g over 10 periods", dEm)
			}
			if dEm >= dEb {
				t.Errorf("largest energy error: HNN %.3g, baseline %.3g", dEm, dEb)
			}
			if dxm > 0.8 {
				t.Errorf("HNN trajectory error %.3g over 10 periods", dxm)
			}
		})
	}
}
