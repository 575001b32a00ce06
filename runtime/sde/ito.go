package sde

import (
	"fmt"
	"math"
)

// ItoToStratonovich returns the Stratonovich form of a diagonal-noise Itô
// SDE dy = f dt + g dW: the same diffusion and the drift
//
//	f̃_i = f_i − ½ g_i ∂g_i/∂y_i,
//
// so that Stratonovich methods and AdjointGradient solve the same equation
// as Itô methods do on sys. The result shares sys's parameters.
//
// ∂g_i/∂y_i is computed exactly with DiffusionVJP; the VJP of the
// correction term also needs ∂²g_i/∂y_i² and ∂(∂g_i/∂y_i)/∂θ, which are
// taken as one central difference of DiffusionVJP along the state (step
// ε^⅓·max(1, |y_i|)), with a relative error near 1e-10 for smooth g. The
// result is not safe for concurrent use.
func ItoToStratonovich(sys Differentiable) (Differentiable, error) {
	if sys.Noise() != Diagonal {
		return nil, fmt.Errorf("%w: ItoToStratonovich handles diagonal noise, got %v", ErrNoiseKind, sys.Noise())
	}
	n := sys.Dim()
	s := &stratonovich{Differentiable: sys}
	for _, b := range []*[]float64{&s.g, &s.dg, &s.one, &s.yp, &s.tmp, &s.d2, &s.del, &s.b} {
		*b = make([]float64, n)
	}
	for i := range s.one {
		s.one[i] = 1
	}
	return s, nil
}

type stratonovich struct {
	Differentiable
	g, dg, one, yp, tmp, d2, del, b []float64
}

// gprime writes ∂g_i/∂y_i at y into dg.
func (s *stratonovich) gprime(t float64, y, dg []float64) {
	s.Differentiable.DiffusionVJP(t, y, s.one, dg, nil)
}

func (s *stratonovich) Func(t float64, y, dy []float64) {
	s.Differentiable.Func(t, y, dy)
	s.Differentiable.Diffusion(t, y, s.g)
	s.gprime(t, y, s.dg)
	for i := range dy {
		dy[i] -= 0.5 * s.g[i] * s.dg[i]
	}
}

func (s *stratonovich) VJP(t float64, y, a, ay, ap []float64) {
	d := s.Differentiable
	d.VJP(t, y, a, ay, ap)
	d.Diffusion(t, y, s.g)
	s.gprime(t, y, s.dg)
	const cbrtEps = 6.055454452393343e-06 // ε^⅓
	for i, v := range y {
		s.del[i] = cbrtEps * math.Max(1, math.Abs(v))
	}
	// ∂²g_i/∂y_i² by a central difference of g'.
	for i, v := range y {
		s.yp[i] = v + s.del[i]
	}
	s.gprime(t, s.yp, s.d2)
	for i, v := range y {
		s.yp[i] = v - s.del[i]
	}
	s.gprime(t, s.yp, s.tmp)
	for i := range ay {
		g2 := (s.d2[i] - s.tmp[i]) / (2 * s.del[i])
		ay[i] -= 0.5 * a[i] * (s.dg[i]*s.dg[i] + s.g[i]*g2)
	}
	if ap == nil {
		return
	}
	// aᵀ∂c/∂θ = Σ ½a_i g_i' ∂g_i/∂θ + Σ ½a_i g_i ∂g_i'/∂θ, the second term
	// as a directional central difference of the first kind of product.
	for i := range s.b {
		s.b[i] = -0.5 * a[i] * s.dg[i]
	}
	d.DiffusionVJP(t, y, s.b, s.tmp, ap)
	for i, v := range y {
		s.yp[i] = v + s.del[i]
		s.b[i] = -0.5 * a[i] * s.g[i] / (2 * s.del[i])
	}
	d.DiffusionVJP(t, s.yp, s.b, s.tmp, ap)
	for i, v := range y {
		s.yp[i] = v - s.del[i]
		s.b[i] = -s.b[i]
	}
	d.DiffusionVJP(t, s.yp, s.b, s.tmp, ap)
}
