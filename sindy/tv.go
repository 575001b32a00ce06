package sindy

import (
	"fmt"
	"math"
)

// TotalVariation is total-variation regularised differentiation
// (Chartrand, ISRN Appl. Math. 2011) in its integrated form: it finds the
// signal v closest to the data whose derivative u = dv/dt has small total
// variation,
//
//	minimise ½ Σ (v_i − x_i)² + Alpha · Σ |u_{k+1} − u_k|,  u_k = (v_{k+1} − v_k)/(t_{k+1} − t_k),
//
// by lagged-diffusivity iterations, each an O(n) banded solve. The
// derivative is piecewise constant between samples and is averaged onto
// them. It suits noisy data whose derivative has jumps or flat stretches.
type TotalVariation struct {
	// Alpha weighs the total variation of the derivative; it has the units
	// of x·t (larger is smoother).
	Alpha float64
	// Iters bounds the fixed-point iterations (0 means 100); they stop
	// early when the derivative changes by less than 1e-8 relative.
	Iters int
	// Eps smooths |·| near zero (0 means 1e-6 times the typical derivative).
	Eps float64
}

// Differentiate implements Differentiator.
func (tv TotalVariation) Differentiate(dst, t, x []float64) error {
	if !(tv.Alpha >= 0) || !finite(tv.Alpha) || tv.Eps < 0 || tv.Iters < 0 {
		return fmt.Errorf("%w: total variation Alpha %g, Eps %g, Iters %d", ErrSettings, tv.Alpha, tv.Eps, tv.Iters)
	}
	checkLens(dst, t, x)
	n := len(t)
	if n < 3 {
		return fmt.Errorf("%w: %d samples for total-variation differentiation", ErrTooFewSamples, n)
	}
	iters := tv.Iters
	if iters == 0 {
		iters = 100
	}
	h := make([]float64, n-1)
	for i := range h {
		h[i] = t[i+1] - t[i]
	}
	v := make([]float64, n)
	copy(v, x)
	u := make([]float64, n-1)
	slopes := func(v []float64) {
		for k := range u {
			u[k] = (v[k+1] - v[k]) / h[k]
		}
	}
	slopes(v)
	eps := tv.Eps
	if eps == 0 {
		var s float64
		for _, uk := range u {
			s += math.Abs(uk)
		}
		eps = 1e-6 * (s/float64(len(u)) + 1e-300)
	}
	prev := make([]float64, n-1)
	A := newBand(n, 2)
	for it := 0; it < iters && tv.Alpha > 0; it++ {
		copy(prev, u)
		for i := range A.a {
			A.a[i] = 0
		}
		for i := range n {
			A.add(i, i, 1)
		}
		// Row k of G: (Gv)_k = u_{k+1} − u_k, touching v_k, v_{k+1}, v_{k+2}.
		for k := 0; k+2 < n; k++ {
			du := u[k+1] - u[k]
			w := tv.Alpha / math.Sqrt(du*du+eps*eps)
			g := [3]float64{1 / h[k], -1/h[k] - 1/h[k+1], 1 / h[k+1]}
			for a := range 3 {
				for b := 0; b <= a; b++ {
					A.add(k+a, k+b, w*g[a]*g[b])
				}
			}
		}
		if !A.cholesky() {
			return fmt.Errorf("%w: total-variation system", ErrSingular)
		}
		copy(v, x)
		A.solve(v)
		slopes(v)
		var num, den float64
		for k := range u {
			num += (u[k] - prev[k]) * (u[k] - prev[k])
			den += u[k] * u[k]
		}
		if num <= 1e-16*den {
			break
		}
	}
	dst[0] = u[0]
	dst[n-1] = u[n-2]
	for i := 1; i < n-1; i++ {
		// Interpolate the two neighbouring slopes (midpoint values) to t_i.
		dst[i] = (h[i]*u[i-1] + h[i-1]*u[i]) / (h[i-1] + h[i])
	}
	return nil
}
