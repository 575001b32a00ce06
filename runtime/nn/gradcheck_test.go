package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
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

// checkDualNils verifies that VJPJVP of dl treats each of gx, gdx and gp
// independently: passing nil for any of them leaves the others as they
// are with all three given, and gp is accumulated, not overwritten.
func checkDualNils(t *testing.T, dl DualLayer, batch int, seed uint64) {
	t.Helper()
	rng := NewRNG(seed)
	nin, nout := batch*dl.InSize(), batch*dl.OutSize()
	x, dx := randVec(rng, nin), randVec(rng, nin)
	gy, gdy := randVec(rng, nout), randVec(rng, nout)
	y, dy := make([]float64, nout), make([]float64, nout)
	np := len(dl.Params())
	run := func(wantX, wantDX, wantP bool) (gx, gdx, gp []float64) {
		if wantX {
			gx = make([]float64, nin)
		}
		if wantDX {
			gdx = make([]float64, nin)
		}
		var gp0 []float64
		if wantP {
			gp = randVec(NewRNG(seed+1), np)
			gp0 = append([]float64(nil), gp...)
		}
		dl.JVP(x, dx, y, dy, batch)
		dl.VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp, batch)
		for i := range gp {
			gp[i] -= gp0[i]
		}
		return gx, gdx, gp
	}
	gx, gdx, gp := run(true, true, true)
	ax, _, _ := run(true, false, false)
	closeVec(t, "gx (gdx, gp nil)", ax, gx, 1e-14)
	_, adx, _ := run(false, true, false)
	closeVec(t, "gdx (gx, gp nil)", adx, gdx, 1e-14)
	if np > 0 {
		_, _, ap := run(false, false, true)
		closeVec(t, "gp (gx, gdx nil)", ap, gp, 1e-12)
	}
}

// checkHutchinson checks s.HutchinsonTrace against εᵀJε with J from
// finite differences, and s.HutchinsonVJP against finite differences of
// gyᵀf(z) + Σ_r gtr[r]·ε_rᵀJ(z_r)ε_r with respect to z and the parameters
// (with and without the gy term). s must be a square dual Sequential.
func checkHutchinson(t *testing.T, s *Sequential, b int, seed uint64, tol float64) {
	t.Helper()
	if !s.IsDual() {
		t.Fatal("checkHutchinson: the Sequential is not dual")
	}
	d := s.InSize()
	rng := NewRNG(seed)
	z := randVec(rng, d*b)
	eps := randVec(rng, d*b)
	gy := randVec(rng, d*b)
	gtr := randVec(rng, b)
	f := make([]float64, d*b)
	tr := make([]float64, b)
	s.HutchinsonTrace(z, eps, f, tr, b)

	for r := 0; r < b; r++ {
		J := mat.NewDense(d, d, nil)
		fd.Jacobian(J, func(y, x []float64) { s.Forward(x, y, 1) }, z[r*d:(r+1)*d], &fd.JacobianSettings{Formula: fd.Central})
		e := mat.NewVecDense(d, eps[r*d:(r+1)*d])
		var je mat.VecDense
		je.MulVec(J, e)
		closeVec(t, "trace", tr[r:r+1], []float64{mat.Dot(e, &je)}, tol)
	}
	yy := make([]float64, d*b)
	s.Forward(z, yy, b)
	closeVec(t, "f", f, yy, 1e-14)

	for _, withY := range []bool{true, false} {
		g := gy
		if !withY {
			g = nil
		}
		obj := func(zz []float64) float64 {
			s.HutchinsonTrace(zz, eps, f, tr, b)
			v := dot(gtr, tr)
			if withY {
				v += dot(gy, f)
			}
			return v
		}
		gz := make([]float64, d*b)
		gp := make([]float64, s.NumParams())
		s.HutchinsonVJP(z, eps, g, gtr, gz, gp, b)
		closeVec(t, fmt.Sprintf("gz (gy term %v)", withY), gz, fd.Gradient(nil, obj, z, central), tol)
		p := s.Params()
		p0 := append([]float64(nil), p...)
		op := func(pp []float64) float64 {
			copy(p, pp)
			v := obj(z)
			copy(p, p0)
			return v
		}
		closeVec(t, fmt.Sprintf("gθ (gy term %v)", withY), gp, fd.Gradient(nil, op, p0, central), tol)
	}
}

// checkDualConsistency checks identities that hold to rounding for any
// DualLayer, tighter than finite differences can: the tangent and the
// cotangent maps are adjoint (qᵀ(J·dx) = (Jᵀq)ᵀdx with Jᵀq from VJP), and
// VJPJVP reduces to VJP when one of its upstream gradients is zero
// (gdy = 0: gx and gp as VJP's for gy; gy = 0: gdx = VJP's gx for gdy).
func checkDualConsistency(t *testing.T, dl DualLayer, batch int, seed uint64) {
	t.Helper()
	rng := NewRNG(seed)
	nin, nout := batch*dl.InSize(), batch*dl.OutSize()
	x, dx := randVec(rng, nin), randVec(rng, nin)
	q := randVec(rng, nout)
	zero := make([]float64, nout)
	y, dy := make([]float64, nout), make([]float64, nout)
	np := len(dl.Params())

	dl.JVP(x, dx, y, dy, batch)
	jtq, gp := make([]float64, nin), make([]float64, np)
	dl.VJP(x, y, q, jtq, gp, batch)
	lhs, rhs := dot(q, dy), dot(jtq, dx)
	closeVec(t, "qᵀ(J·dx) vs (Jᵀq)ᵀdx", []float64{lhs}, []float64{rhs}, 1e-12*max(1, math.Abs(lhs)))

	gx, gdx, gp2 := make([]float64, nin), make([]float64, nin), make([]float64, np)
	dl.JVP(x, dx, y, dy, batch)
	dl.VJPJVP(x, dx, y, dy, q, zero, gx, gdx, gp2, batch)
	closeVec(t, "VJPJVP gx (gdy = 0) vs VJP", gx, jtq, 1e-12)
	closeVec(t, "VJPJVP gp (gdy = 0) vs VJP", gp2, gp, 1e-12)
	closeVec(t, "VJPJVP gdx (gdy = 0)", gdx, make([]float64, nin), 0)

	dl.JVP(x, dx, y, dy, batch)
	dl.VJPJVP(x, dx, y, dy, zero, q, nil, gdx, nil, batch)
	closeVec(t, "VJPJVP gdx (gy = 0) vs VJP", gdx, jtq, 1e-12)
}
