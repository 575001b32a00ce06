package ode

import "math"

// lorenz is a hand-written Lorenz system (σ=10, ρ=28, β=8/3).
type lorenz struct{}

func (lorenz) Dim() int { return 3 }
func (lorenz) Func(_ float64, u, du []float64) {
	du[0] = 10 * (u[1] - u[0])
	du[1] = u[0]*(28-u[2]) - u[1]
	du[2] = u[0]*u[1] - 8.0/3.0*u[2]
}

// lorenzRef10 is y(10) from y0 = (1, 1, 1) (scipy DOP853, rtol 1e-13,
// atol 1e-15; as in ../shared/reference/dopri5_ref.c).
var lorenzRef10 = []float64{-4.90268754113656, -3.7438729218029683, 24.690858102795175}

// expSin is a non-autonomous nonlinear test problem with exact solution
//
//	y0' = y0·cos t      → y0 = exp(sin t)
//	y1' = −2t·y1²       → y1 = 1/(1+t²)
type expSin struct{}

func (expSin) Dim() int { return 2 }
func (expSin) Func(t float64, y, dy []float64) {
	dy[0] = y[0] * math.Cos(t)
	dy[1] = -2 * t * y[1] * y[1]
}
func expSinExact(t float64, y []float64) {
	y[0] = math.Exp(math.Sin(t))
	y[1] = 1 / (1 + t*t)
}

// arenstorf is Hairer's restricted three-body orbit (periodic with period
// arenstorfT).
type arenstorf struct{}

const arenstorfT = 17.0652165601579625588917206249

var arenstorfY0 = []float64{0.994, 0, 0, -2.00158510637908252240537862224}

func (arenstorf) Dim() int { return 4 }
func (arenstorf) Func(_ float64, y, dy []float64) {
	const mu = 0.012277471
	const mup = 1 - mu
	d1 := math.Pow((y[0]+mu)*(y[0]+mu)+y[1]*y[1], 1.5)
	d2 := math.Pow((y[0]-mup)*(y[0]-mup)+y[1]*y[1], 1.5)
	dy[0] = y[2]
	dy[1] = y[3]
	dy[2] = y[0] + 2*y[3] - mup*(y[0]+mu)/d1 - mu*(y[0]-mup)/d2
	dy[3] = y[1] - 2*y[2] - mup*y[1]/d1 - mu*y[1]/d2
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
