package sde_test

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/sde"
)

// Geometric Brownian motion dX = μX dt + σX dW solved with SRIW1 on a
// Brownian tree, compared with the exact solution on the same path.
func ExampleSolve() {
	const mu, sigma = 1.0, 0.5
	sys := &sde.Func{N: 1, Kind: sde.Diagonal,
		F: func(_ float64, y, dy []float64) { dy[0] = mu * y[0] },
		G: func(_ float64, y, g []float64) { g[0] = sigma * y[0] },
	}
	bm := sde.NewBrownianTree(0, 1, 1, 42, 1e-6)
	sol, err := sde.Solve(sys, []float64{1}, []float64{0, 1}, bm, &sde.Options{Method: sde.MethodSRIW1, Dt: 1.0 / 64})
	if err != nil {
		panic(err)
	}
	w := make([]float64, 1)
	bm.Eval(1, w)
	exact := math.Exp(mu - sigma*sigma/2 + sigma*w[0])
	fmt.Printf("error below 1e-3: %v\n", math.Abs(sol.Y[1][0]-exact) < 1e-3)
	// Output: error below 1e-3: true
}

// Many paths of an Ornstein–Uhlenbeck process: the ensemble mean follows
// μ + (x0 − μ)e^{−θt}.
func ExampleSolvePaths() {
	const theta, mu = 2.0, 0.5
	sys := &sde.Func{N: 1, M: 1, Kind: sde.Additive,
		F: func(_ float64, y, dy []float64) { dy[0] = theta * (mu - y[0]) },
		G: func(_ float64, _, g []float64) { g[0] = 0.3 },
	}
	ts := []float64{0, 0.5, 1}
	e, err := sde.SolvePaths(sys, []float64{2}, ts, 10000, 1, &sde.Options{Method: sde.MethodSRA1, Dt: 0.01})
	if err != nil {
		panic(err)
	}
	for k, t := range ts {
		want := mu + (2-mu)*math.Exp(-theta*t)
		fmt.Printf("t=%.1f mean within 0.01: %v, q05 < q50 < q95: %v\n", t,
			math.Abs(e.Mean[k][0]-want) < 0.01, k == 0 || e.Q05[k][0] < e.Q50[k][0] && e.Q50[k][0] < e.Q95[k][0])
	}
	// Output:
	// t=0.0 mean within 0.01: true, q05 < q50 < q95: true
	// t=0.5 mean within 0.01: true, q05 < q50 < q95: true
	// t=1.0 mean within 0.01: true, q05 < q50 < q95: true
}

// The stochastic adjoint of a Stratonovich GBM dy = μy dt + σy∘dW for the
// loss L = y(1): on a Brownian path, ∂L/∂μ = y(1) exactly (y(1) = y0
// exp(μ + σW(1))), which the adjoint reproduces up to the step error.
func ExampleAdjointGradient() {
	const mu, sigma = 0.5, 0.3
	sys := &gbmExample{p: []float64{mu, sigma}}
	bm := sde.NewBrownianTree(0, 1, 1, 7, 1e-6)
	gy0, gp := make([]float64, 1), make([]float64, 2)
	var yT float64
	dLdy := func(k int, y, a []float64) {
		a[0] = 0
		if k == 1 {
			a[0], yT = 1, y[0]
		}
	}
	err := sde.AdjointGradient(sys, []float64{1}, []float64{0, 1}, bm, dLdy, gy0, gp, &sde.AdjointOptions{Dt: 1.0 / 256})
	if err != nil {
		panic(err)
	}
	w := make([]float64, 1)
	bm.Eval(1, w)
	fmt.Printf("∂L/∂μ = %.3f, ∂L/∂y0 = %.3f, y(1) = %.3f, exact %.3f\n", gp[0], gy0[0], yT, math.Exp(mu+sigma*w[0]))
	// Output: ∂L/∂μ = 2.322, ∂L/∂y0 = 2.322, y(1) = 2.322, exact 2.322
}

type gbmExample struct{ p []float64 }

func (g *gbmExample) Dim() int                            { return 1 }
func (g *gbmExample) Noise() sde.NoiseKind                { return sde.Diagonal }
func (g *gbmExample) NoiseDim() int                       { return 1 }
func (g *gbmExample) Params() []float64                   { return g.p }
func (g *gbmExample) Func(_ float64, y, dy []float64)     { dy[0] = g.p[0] * y[0] }
func (g *gbmExample) Diffusion(_ float64, y, d []float64) { d[0] = g.p[1] * y[0] }
func (g *gbmExample) VJP(_ float64, y, a, ay, ap []float64) {
	ay[0] = g.p[0] * a[0]
	if ap != nil {
		ap[0] += a[0] * y[0]
	}
}
func (g *gbmExample) DiffusionVJP(_ float64, y, b, ay, ap []float64) {
	ay[0] = g.p[1] * b[0]
	if ap != nil {
		ap[1] += b[0] * y[0]
	}
}
