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
