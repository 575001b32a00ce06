package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

var central = &fd.Settings{Formula: fd.Central, Step: 1e-5}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// closeVec fails t when got and want differ by more than tol relative to
// max(1, |want|∞).
func closeVec(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	scale := 1.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*scale) {
			t.Errorf("%s[%d] = %.12g, want %.12g (|diff| %.3g > %.3g)", what, i, got[i], want[i], d, tol*scale)
			return
		}
	}
}

// checkLayer verifies l's VJP against central finite differences of the
// scalar Σ r·f(x) with respect to x and the parameters, and, when l is a
// DualLayer, its JVP against a directional derivative and its VJPJVP
// against finite differences of the first-order quantity
// Σ r·f(x) + Σ q·(∂f/∂x)dx with respect to x, dx and the parameters.
// x may be nil (random input).
func checkLayer(t *testing.T, l Layer, batch int, x []float64, seed uint64, tol float64) {
	t.Helper()
	rng := NewRNG(seed)
	nin, nout := batch*l.InSize(), batch*l.OutSize()
	if x == nil {
		x = randVec(rng, nin)
	}
	p := l.Params()
	r := randVec(rng, nout)
	y := make([]float64, nout)

	scalarX := func(xx []float64) float64 {
		l.Forward(xx, y, batch)
		return dot(r, y)
	}
	scalarP := func(pp []float64) float64 {
		old := append([]float64(nil), p...)
		copy(p, pp)
		l.Forward(x, y, batch)
		copy(p, old)
		return dot(r, y)
	}
	gx := make([]float64, nin)
	gp := randVec(rng, len(p)) // VJP must accumulate into gp
	gp0 := append([]float64(nil), gp...)
	l.Forward(x, y, batch)
	l.VJP(x, y, r, gx, gp, batch)
	for i := range gp {
		gp[i] -= gp0[i]
	}
	closeVec(t, "VJP gx", gx, fd.Gradient(nil, scalarX, x, central), tol)
	if len(p) > 0 {
		closeVec(t, "VJP gp", gp, fd.Gradient(nil, scalarP, append([]float64(nil), p...), central), tol)
	}
	// nil gx must be accepted and leave the parameter gradient the same.
	gp2 := make([]float64, len(p))
	l.Forward(x, y, batch)
	l.VJP(x, y, r, nil, gp2, batch)
	closeVec(t, "VJP gp (nil gx)", gp2, gp, 1e-12)

	dl, ok := l.(DualLayer)
	if !ok {
		return
	}
	dx := randVec(rng, nin)
	q := randVec(rng, nout)
	dy := make([]float64, nout)
	y2 := make([]float64, nout)
	dl.JVP(x, dx, y2, dy, batch)
	l.Forward(x, y, batch)
	closeVec(t, "JVP y", y2, y, 1e-14)
	dir := func(h float64) float64 {
		xx := make([]float64, nin)
		for i := range xx {
			xx[i] = x[i] + h*dx[i]
		}
		l.Forward(xx, y, batch)
		return dot(q, y)
	}
	closeVec(t, "JVP qᵀdy", []float64{dot(q, dy)}, []float64{fd.Derivative(dir, 0, central)}, tol)

	// Second order: s(x, dx, θ) = rᵀy + qᵀdy.
	s := func(xx, dxx []float64) float64 {
		dl.JVP(xx, dxx, y2, dy, batch)
		return dot(r, y2) + dot(q, dy)
	}
	gx2 := make([]float64, nin)
	gdx := make([]float64, nin)
	gp3 := make([]float64, len(p))
	dl.JVP(x, dx, y2, dy, batch)
	dl.VJPJVP(x, dx, y2, dy, r, q, gx2, gdx, gp3, batch)
	closeVec(t, "VJPJVP gx", gx2, fd.Gradient(nil, func(xx []float64) float64 { return s(xx, dx) }, x, central), tol)
	closeVec(t, "VJPJVP gdx", gdx, fd.Gradient(nil, func(d []float64) float64 { return s(x, d) }, dx, central), tol)
	if len(p) > 0 {
		sp := func(pp []float64) float64 {
			old := append([]float64(nil), p...)
			copy(p, pp)
			v := s(x, dx)
			copy(p, old)
			return v
		}
		closeVec(t, "VJPJVP gp", gp3, fd.Gradient(nil, sp, append([]float64(nil), p...), central), tol)
	}
}

func randomizeParams(l Layer, seed uint64) {
	rng := NewRNG(seed)
	for i, p := 0, l.Params(); i < len(p); i++ {
		p[i] = 0.5 * rng.NormFloat64()
	}
}
