package sde

import (
	"fmt"
	"math"
	"testing"
)

// slope fits log(err) = p·log(h) + c by least squares and returns p.
func slope(hs, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(hs))
	for i := range hs {
		x, y := math.Log(hs[i]), math.Log(errs[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// gbm is dX_i = μ_i X_i dt + σ_i X_i dW_i (diagonal noise).
func gbm(mu, sigma []float64, withDG bool) *Func {
	f := &Func{N: len(mu), Kind: Diagonal,
		F: func(_ float64, y, dy []float64) {
			for i := range y {
				dy[i] = mu[i] * y[i]
			}
		},
		G: func(_ float64, y, g []float64) {
			for i := range y {
				g[i] = sigma[i] * y[i]
			}
		},
	}
	if withDG {
		f.DG = func(_ float64, _, dg []float64) { copy(dg, sigma) }
	}
	return f
}

type strongCase struct {
	method string
	sys    System
	// exact solution at T from W(T), or nil to use a fine reference solve.
	exact func(y0, wT []float64, T float64, out []float64)
	ref   string // method for the reference solve
	want  float64
	kmin  int // steps 2^kmin .. 2^kmax
	kmax  int
}

func measureStrong(t *testing.T, c strongCase, y0 []float64, T float64, paths int) (float64, []float64) {
	t.Helper()
	n, m := c.sys.Dim(), c.sys.NoiseDim()
	var hs []float64
	for k := c.kmin; k <= c.kmax; k++ {
		hs = append(hs, T/float64(int(1)<<k))
	}
	errs := make([]float64, len(hs))
	solvers := make([]*Solver, len(hs))
	for i := range hs {
		s, err := NewSolver(c.sys, &Options{Method: c.method, Dt: hs[i]})
		if err != nil {
			t.Fatal(err)
		}
		solvers[i] = s
	}
	var ref *Solver
	if c.exact == nil {
		var err error
		ref, err = NewSolver(c.sys, &Options{Method: c.ref, Dt: T / float64(int(1)<<(c.kmax+4))})
		if err != nil {
			t.Fatal(err)
		}
	}
	want := make([]float64, n)
	wT := make([]float64, m)
	ts := []float64{0, T}
	sol := new(Solution)
	for p := 0; p < paths; p++ {
		tr := NewBrownianTree(0, T, m, uint64(1000+p), T/float64(int(1)<<(c.kmax+4)))
		if c.exact != nil {
			tr.Eval(T, wT)
			c.exact(y0, wT, T, want)
		} else {
			if err := ref.Solve(y0, ts, tr, sol); err != nil {
				t.Fatal(err)
			}
			copy(want, sol.Y[1])
		}
		for i, s := range solvers {
			if err := s.Solve(y0, ts, tr, sol); err != nil {
				t.Fatal(err)
			}
			e := 0.0
			for j := range want {
				e += math.Abs(sol.Y[1][j] - want[j])
			}
			errs[i] += e / float64(n) / float64(paths)
		}
	}
	return slope(hs, errs), errs
}

func TestStrongOrder(t *testing.T) {
	mu, sigma := []float64{1, 0.5}, []float64{0.5, 0.8}
	itoExact := func(y0, w []float64, T float64, out []float64) {
		for i := range out {
			out[i] = y0[i] * math.Exp((mu[i]-sigma[i]*sigma[i]/2)*T+sigma[i]*w[i])
		}
	}
	stratExact := func(y0, w []float64, T float64, out []float64) {
		for i := range out {
			out[i] = y0[i] * math.Exp(mu[i]*T+sigma[i]*w[i])
		}
	}
	// Scalar noise GBM: both components driven by one W.
	scalar := &Func{N: 2, Kind: Scalar,
		F: func(_ float64, y, dy []float64) {
			for i := range y {
				dy[i] = mu[i] * y[i]
			}
		},
		G: func(_ float64, y, g []float64) {
			for i := range y {
				g[i] = sigma[i] * y[i]
			}
		},
	}
	scalarExact := func(y0, w []float64, T float64, out []float64) {
		for i := range out {
			out[i] = y0[i] * math.Exp((mu[i]-sigma[i]*sigma[i]/2)*T+sigma[i]*w[0])
		}
	}
	// Nonlinear drift, time-dependent additive noise (2 states, 2 Wiener).
	additive := &Func{N: 2, M: 2, Kind: Additive,
		F: func(_ float64, y, dy []float64) {
			dy[0] = math.Sin(3*y[1]) - y[0]
			dy[1] = math.Cos(3*y[0]) - 2*y[1]
		},
		G: func(t float64, _, g []float64) {
			s := 1 + t
			g[0], g[1], g[2], g[3] = 1.5*s, 0.6*s, 0.3, 0.9*s*s
		},
	}
	// Nonlinear diagonal noise for SRIW1 against a reference.
	nonlin := &Func{N: 2, Kind: Diagonal,
		F: func(_ float64, y, dy []float64) {
			dy[0] = -y[0] + math.Sin(y[1])
			dy[1] = 0.5 - y[1]*y[1]*0.1
		},
		G: func(t float64, y, g []float64) {
			g[0] = 1.5 * math.Cos(y[0])
			g[1] = 0.9 * math.Sqrt(1+y[1]*y[1])
		},
	}
	cases := []strongCase{
		{method: MethodEuler, sys: gbm(mu, sigma, false), exact: itoExact, want: 0.5, kmin: 4, kmax: 9},
		{method: MethodMilstein, sys: gbm(mu, sigma, true), exact: itoExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodMilstein, sys: gbm(mu, sigma, false), exact: itoExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodMilstein, sys: scalar, exact: scalarExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodSRIW1, sys: gbm(mu, sigma, false), exact: itoExact, want: 1.5, kmin: 2, kmax: 7},
		{method: MethodSRIW1, sys: scalar, exact: scalarExact, want: 1.5, kmin: 2, kmax: 7},
		{method: MethodSRIW1, sys: nonlin, ref: MethodSRIW1, want: 1.5, kmin: 3, kmax: 7},
		{method: MethodSRA1, sys: additive, ref: MethodSRA3, want: 1.5, kmin: 4, kmax: 8},
		{method: MethodSRA3, sys: additive, ref: MethodSRA3, want: 1.5, kmin: 4, kmax: 8},
		{method: MethodEuler, sys: additive, ref: MethodSRA3, want: 1, kmin: 2, kmax: 6},
		{method: MethodEulerHeun, sys: gbm(mu, sigma, false), exact: stratExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodHeun, sys: gbm(mu, sigma, false), exact: stratExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodMidpoint, sys: gbm(mu, sigma, false), exact: stratExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodReversibleHeun, sys: gbm(mu, sigma, false), exact: stratExact, want: 1, kmin: 3, kmax: 8},
		{method: MethodReversibleHeun, sys: additive, ref: MethodSRA3, want: 1, kmin: 2, kmax: 6},
	}
	y0 := []float64{1, 0.5}
	for _, c := range cases {
		name := fmt.Sprintf("%s/%s", c.method, c.sys.Noise())
		t.Run(name, func(t *testing.T) {
			p, errs := measureStrong(t, c, y0, 1, 300)
			t.Logf("%s: strong order %.3f (theory %.1f), errors %.3g", name, p, c.want, errs)
			if math.Abs(p-c.want) > 0.15 {
				t.Errorf("%s: strong order %.3f, want %.2f ± 0.15 (errors %.3g)", name, p, c.want, errs)
			}
		})
	}
}
