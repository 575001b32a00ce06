package sde

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// lorenz is the stochastic Lorenz system with diagonal multiplicative noise
// g_i = 0.1·y_i, implementing BatchSystem.
type lorenz struct{ sigma, rho, beta, noise float64 }

func newLorenz() *lorenz { return &lorenz{sigma: 10, rho: 28, beta: 8.0 / 3, noise: 0.1} }

func (l *lorenz) Dim() int         { return 3 }
func (l *lorenz) Noise() NoiseKind { return Diagonal }
func (l *lorenz) NoiseDim() int    { return 3 }
func (l *lorenz) Func(_ float64, y, dy []float64) {
	dy[0] = l.sigma * (y[1] - y[0])
	dy[1] = y[0]*(l.rho-y[2]) - y[1]
	dy[2] = y[0]*y[1] - l.beta*y[2]
}
func (l *lorenz) Diffusion(_ float64, y, g []float64) {
	g[0], g[1], g[2] = l.noise*y[0], l.noise*y[1], l.noise*y[2]
}
func (l *lorenz) DriftBatch(_ float64, Y, dY []float64, paths int) {
	x, y, z := Y[:paths], Y[paths:2*paths], Y[2*paths:3*paths]
	dx, dy, dz := dY[:paths], dY[paths:2*paths], dY[2*paths:3*paths]
	s, r, b := l.sigma, l.rho, l.beta
	for p := range x {
		xp, yp, zp := x[p], y[p], z[p]
		dx[p] = s * (yp - xp)
		dy[p] = xp*(r-zp) - yp
		dz[p] = xp*yp - b*zp
	}
}
func (l *lorenz) DiffusionBatch(_ float64, Y, G []float64, _ int) {
	G = G[:len(Y)]
	for j, v := range Y {
		G[j] = l.noise * v
	}
}

// plainLorenz hides the batch methods.
type plainLorenz struct{ l *lorenz }

func (p plainLorenz) Dim() int                            { return 3 }
func (p plainLorenz) Noise() NoiseKind                    { return Diagonal }
func (p plainLorenz) NoiseDim() int                       { return 3 }
func (p plainLorenz) Func(t float64, y, dy []float64)     { p.l.Func(t, y, dy) }
func (p plainLorenz) Diffusion(t float64, y, g []float64) { p.l.Diffusion(t, y, g) }

func TestReversibleHeunReconstruction(t *testing.T) {
	sys := newLorenz()
	rh := NewReversibleHeun(sys)
	y0 := []float64{1, 2, 20}
	// Reversible Heun is only stable on the imaginary axis (Kidger et al.
	// 2021, section 3): on the dissipative Lorenz system the parasitic mode
	// grows like e^{22 t}, so keep the horizon short.
	const steps, h = 200, 1e-3
	tr := NewBrownianTree(0, 0.2, 3, 11, 1e-5)
	dw := make([]float64, 3)
	rh.Reset(0, y0)
	for i := 0; i < steps; i++ {
		tr.Increment(float64(i)*h, float64(i+1)*h, dw)
		rh.Step(h, dw)
	}
	yEnd := append([]float64(nil), rh.Y...)
	for i := steps - 1; i >= 0; i-- {
		tr.Increment(float64(i)*h, float64(i+1)*h, dw)
		rh.StepBack(h, dw)
	}
	for i := range y0 {
		if d := math.Abs(rh.Y[i] - y0[i]); d > 1e-12*math.Max(1, math.Abs(yEnd[i])) {
			t.Errorf("component %d: reconstructed %.17g, want %.17g (diff %g)", i, rh.Y[i], y0[i], d)
		}
		if d := math.Abs(rh.YHat[i] - y0[i]); d > 1e-12*math.Max(1, math.Abs(yEnd[i])) {
			t.Errorf("auxiliary %d: reconstructed %.17g, want %.17g", i, rh.YHat[i], y0[i])
		}
	}
	if math.Abs(rh.T) > 1e-12 {
		t.Errorf("time %g, want 0", rh.T)
	}
	// Solve with reversible_heun gives the same forward state.
	sol, err := Solve(sys, y0, []float64{0, 0.2}, tr, &Options{Method: MethodReversibleHeun, Dt: h})
	if err != nil {
		t.Fatal(err)
	}
	for i := range yEnd {
		if math.Abs(sol.Y[1][i]-yEnd[i]) > 1e-9*math.Abs(yEnd[i]) {
			t.Errorf("Solve %g vs stepper %g", sol.Y[1][i], yEnd[i])
		}
	}
}

func TestFixedStepAllocations(t *testing.T) {
	general := &Func{N: 2, M: 3, Kind: General,
		F: func(_ float64, y, dy []float64) { dy[0], dy[1] = -y[0], -y[1] },
		G: func(_ float64, y, g []float64) {
			for i := range g {
				g[i] = 0.1 * float64(i+1) * y[i%2]
			}
		},
	}
	additive := &Func{N: 2, M: 2, Kind: Additive,
		F: func(_ float64, y, dy []float64) { dy[0], dy[1] = -y[0], -y[1] },
		G: func(t float64, _, g []float64) { g[0], g[1], g[2], g[3] = 1, 0, 0.5, t },
	}
	for _, mi := range Methods() {
		var sys System = newLorenz()
		if mi.Name == MethodReversibleHeun {
			sys = gbm([]float64{1, 0.5, 0.2}, []float64{0.5, 0.8, 0.1}, false)
		}
		switch {
		case mi.Supports(Additive) && !mi.Supports(Diagonal):
			sys = additive
		case !mi.Supports(Diagonal):
			sys = general
		}
		if mi.Supports(General) && mi.Name == MethodEuler {
			sys = general
		}
		s, err := NewSolver(sys, &Options{Method: mi.Name, Dt: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		grid := NewBrownianGrid(0, 1e-3, 1000, sys.NoiseDim(), 1, true)
		tree := NewBrownianTree(0, 1, sys.NoiseDim(), 1, 1e-4)
		y0 := make([]float64, sys.Dim())
		for i := range y0 {
			y0[i] = 1
		}
		sol := new(Solution)
		ts := []float64{0, 0.25, 0.5, 1}
		for _, bm := range []BrownianPath{grid, tree} {
			if err := s.Solve(y0, ts, bm, sol); err != nil {
				t.Fatal(mi.Name, err)
			}
			allocs := testing.AllocsPerRun(3, func() {
				if err := s.Solve(y0, ts, bm, sol); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s on %T: %v allocations per 1000-step solve, want 0", mi.Name, bm, allocs)
			}
		}
	}
}

// ouParams is the Ornstein–Uhlenbeck process dX = θ(μ − X) dt + σ dW.
const ouTheta, ouMu, ouSig, ouX0, ouT = 2.0, 0.5, 1.0, 2.0, 1.0

func ouSecondMoment() float64 {
	m := ouMu + (ouX0-ouMu)*math.Exp(-ouTheta*ouT)
	v := ouSig * ouSig / (2 * ouTheta) * (1 - math.Exp(-2*ouTheta*ouT))
	return v + m*m
}

func ouSystem(kind NoiseKind) *Func {
	return &Func{N: 1, M: 1, Kind: kind,
		F: func(_ float64, y, dy []float64) { dy[0] = ouTheta * (ouMu - y[0]) },
		G: func(_ float64, _, g []float64) { g[0] = ouSig },
	}
}

// TestWeakOrderMonteCarlo measures the weak order of Euler–Maruyama on
// E[X(T)²] of OU by Monte Carlo, using the exact transition driven by the
// same normals as a control variate (its moments are known exactly).
func TestWeakOrderMonteCarlo(t *testing.T) {
	ou := ouSystem(Additive)
	var hs, errs []float64
	const paths = 20000
	for k := 3; k <= 7; k++ {
		steps := 1 << k
		h := ouT / float64(steps)
		s, err := NewSolver(ou, &Options{Method: MethodEuler, Dt: h})
		if err != nil {
			t.Fatal(err)
		}
		grid := NewBrownianGrid(0, h, steps, 1, 0, false)
		sol := new(Solution)
		sum := 0.0
		a := math.Exp(-ouTheta * h)
		sd := ouSig * math.Sqrt((1-a*a)/(2*ouTheta)/h)
		for p := 0; p < paths; p++ {
			grid.Reseed(uint64(p))
			if err := s.Solve([]float64{ouX0}, []float64{0, ouT}, grid, sol); err != nil {
				t.Fatal(err)
			}
			xe := ouX0
			for j := 0; j < steps; j++ {
				xe = ouMu + (xe-ouMu)*a + sd*grid.dW[j]
			}
			x := sol.Y[1][0]
			sum += x*x - xe*xe
		}
		hs = append(hs, h)
		errs = append(errs, math.Abs(sum/paths))
	}
	p := slope(hs, errs)
	t.Logf("euler: Monte Carlo weak order %.3f, errors %.3g", p, errs)
	if math.Abs(p-1) > 0.15 {
		t.Errorf("euler: weak order %.3f, want 1 ± 0.15 (errors %.3g)", p, errs)
	}
}

// TestWeakOrderExactMoments measures weak orders without sampling error: on
// OU every method's step is affine in (y, ΔW, H), X' = A X + B + c1 ΔW + c2 H;
// the coefficients are read off the stepper itself, and the moments of the
// numerical solution are propagated exactly.
func TestWeakOrderExactMoments(t *testing.T) {
	for _, c := range []struct {
		method string
		kind   NoiseKind
		want   float64
	}{
		{MethodEuler, Additive, 1}, {MethodMilstein, Additive, 1}, {MethodEulerHeun, Additive, 1},
		{MethodSRA1, Additive, 2}, {MethodSRA3, Additive, 2}, {MethodSRIW1, Diagonal, 2},
		{MethodHeun, Additive, 2}, {MethodMidpoint, Additive, 2},
	} {
		mi, _ := Lookup(c.method)
		sys := ouSystem(c.kind)
		var hs, errs []float64
		for k := 3; k <= 8; k++ {
			steps := 1 << k
			h := ouT / float64(steps)
			st := mi.newStepper(newProblem(sys))
			out := make([]float64, 1)
			probe := func(y, dw, hh float64) float64 {
				st.step(0, h, []float64{y}, []float64{dw}, []float64{hh}, out)
				return out[0]
			}
			B := probe(0, 0, 0)
			A := probe(1, 0, 0) - B
			c1 := probe(0, 1, 0) - B
			c2 := probe(0, 0, 1) - B
			m, v := ouX0, 0.0
			for j := 0; j < steps; j++ {
				m, v = A*m+B, A*A*v+c1*c1*h+c2*c2*h/12
			}
			hs = append(hs, h)
			errs = append(errs, math.Abs(v+m*m-ouSecondMoment()))
		}
		p := slope(hs, errs)
		t.Logf("%s: weak order %.3f on E[X²] (theory %.0f), errors %.3g", c.method, p, c.want, errs)
		if math.Abs(p-c.want) > 0.15 {
			t.Errorf("%s: weak order %.3f, want %.0f ± 0.15 (errors %.3g)", c.method, p, c.want, errs)
		}
	}
}

func TestAdaptive(t *testing.T) {
	mu, sigma := []float64{1, 0.5}, []float64{0.5, 0.8}
	sys := gbm(mu, sigma, false)
	y0 := []float64{1, 0.5}
	for _, method := range []string{MethodMilstein, MethodSRIW1, MethodHeun, MethodEulerHeun, MethodMidpoint} {
		var prev, first float64
		prevSteps := 0
		for _, tol := range []float64{1e-2, 1e-3, 1e-4} {
			const paths = 40
			errSum := 0.0
			steps := 0
			for p := 0; p < paths; p++ {
				tr := NewBrownianTree(0, 1, 2, uint64(p), 1e-9)
				sol, err := Solve(sys, y0, []float64{0, 0.5, 1}, tr, &Options{Method: method, Adaptive: true, RTol: tol, ATol: tol})
				if err != nil {
					t.Fatal(err)
				}
				steps += sol.Stats.Accepted
				w := make([]float64, 2)
				tr.Eval(1, w)
				for i := range y0 {
					x := y0[i] * math.Exp((mu[i]-sigma[i]*sigma[i]/2)+sigma[i]*w[i])
					if MethodInfo(methods[method]).Calculus == Stratonovich {
						x = y0[i] * math.Exp(mu[i]+sigma[i]*w[i])
					}
					errSum += math.Abs(sol.Y[2][i]-x) / paths
				}
			}
			t.Logf("%s tol %g: mean error %.3g, %d steps/path", method, tol, errSum, steps/paths)
			if prev != 0 && (errSum > prev || steps <= prevSteps) {
				t.Errorf("%s: error %g → %g, steps %d → %d as tol shrank to %g", method, prev, errSum, prevSteps, steps, tol)
			}
			if first == 0 {
				first = errSum
			}
			prev, prevSteps = errSum, steps
		}
		if prev > first/4 || prev > 0.05 {
			t.Errorf("%s: error %g at tol 1e-4 (%g at 1e-2): adaptive solve does not converge", method, prev, first)
		}
	}
}

func TestSolveErrors(t *testing.T) {
	blow := &Func{N: 1, Kind: Diagonal,
		F: func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] },
		G: func(_ float64, y, g []float64) { g[0] = 0.1 },
	}
	_, err := Solve(blow, []float64{10}, []float64{0, 1}, nil, &Options{Dt: 0.01})
	var se *SolveError
	if !errors.Is(err, ErrNonFinite) || !errors.As(err, &se) {
		t.Fatalf("blow-up: got %v, want ErrNonFinite", err)
	}
	if se.T <= 0 || se.T >= 1 || se.H != 0.01 && math.Abs(se.H-0.01) > 1e-12 || !strings.Contains(err.Error(), "t=") {
		t.Errorf("blow-up error does not locate the failure: %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 1}, nil, &Options{Dt: 0.01, MaxSteps: 10})
	if !errors.Is(err, ErrMaxSteps) {
		t.Errorf("max steps: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 1}, nil, &Options{Method: "nope"})
	if !errors.Is(err, ErrUnknownMethod) {
		t.Errorf("unknown method: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 1}, nil, &Options{Method: MethodSRA1})
	if !errors.Is(err, ErrNoiseKind) {
		t.Errorf("noise kind: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 1}, nil, &Options{Method: MethodReversibleHeun, Adaptive: true})
	if !errors.Is(err, ErrNotAdaptive) {
		t.Errorf("adaptive reversible heun: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1}, []float64{0, 1}, nil, nil)
	if !errors.Is(err, ErrDim) {
		t.Errorf("dimension: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 1, 1}, nil, nil)
	if !errors.Is(err, ErrTimes) {
		t.Errorf("times: got %v", err)
	}
	g := NewBrownianGrid(0, 0.1, 10, 3, 1, false)
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 2}, g, &Options{Dt: 0.1})
	if !errors.Is(err, ErrPathSpan) {
		t.Errorf("span: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 0.55}, g, &Options{Dt: 0.1})
	if !errors.Is(err, ErrGridMismatch) {
		t.Errorf("grid: got %v", err)
	}
	_, err = Solve(newLorenz(), []float64{1, 1, 1}, []float64{0, 1}, g, &Options{Method: MethodSRIW1, Dt: 0.1})
	if !errors.Is(err, ErrNoLevy) {
		t.Errorf("sriw1 on a grid without Lévy area: no error")
	}
}

func TestAdaptiveAdditive(t *testing.T) {
	sys := &Func{N: 2, M: 2, Kind: Additive,
		F: func(_ float64, y, dy []float64) {
			dy[0] = math.Sin(3*y[1]) - y[0]
			dy[1] = math.Cos(3*y[0]) - 2*y[1]
		},
		G: func(t float64, _, g []float64) {
			s := 1 + t
			g[0], g[1], g[2], g[3] = 1.5*s, 0.6*s, 0.3, 0.9*s*s
		},
	}
	y0 := []float64{1, 0.5}
	ts := []float64{0, 1}
	var prev float64
	for _, tol := range []float64{1e-2, 1e-3, 1e-4} {
		errSum := 0.0
		for p := 0; p < 20; p++ {
			tr := NewBrownianTree(0, 1, 2, uint64(p), 1.0/(1<<14))
			ref, err := Solve(sys, y0, ts, tr, &Options{Method: MethodSRA3, Dt: 1.0 / (1 << 13)})
			if err != nil {
				t.Fatal(err)
			}
			sol, err := Solve(sys, y0, ts, tr, &Options{Method: MethodSRA1, Adaptive: true, RTol: tol, ATol: tol})
			if err != nil {
				t.Fatal(err)
			}
			for i := range y0 {
				errSum += math.Abs(sol.Y[1][i]-ref.Y[1][i]) / 20
			}
		}
		t.Logf("sra1 adaptive tol %g: mean error %.3g", tol, errSum)
		if prev != 0 && errSum > prev/2 {
			t.Errorf("sra1 adaptive: error %g at tol %g, %g at 10× larger tol", errSum, tol, prev)
		}
		prev = errSum
	}
}
