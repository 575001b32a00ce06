package sindy

import (
	"fmt"
	"math"
)

// Differentiator estimates the time derivative of one sampled signal.
type Differentiator interface {
	// Differentiate writes dx/dt at each t[i] into dst. t is strictly
	// increasing; dst, t and x have the same length.
	Differentiate(dst, t, x []float64) error
}

// FiniteDifference differentiates with finite differences of the given
// order of accuracy on any grid, uniform or not: each derivative uses
// Order+1 neighbouring samples (centred where possible, one-sided at the
// ends) with weights from Fornberg's algorithm. Order 0 means 2, pysindy's
// default.
type FiniteDifference struct {
	Order int
}

// Differentiate implements Differentiator.
func (fd FiniteDifference) Differentiate(dst, t, x []float64) error {
	q := fd.Order
	if q == 0 {
		q = 2
	}
	if q < 1 || q > 12 {
		return fmt.Errorf("%w: finite-difference order %d not in [1, 12]", ErrSettings, q)
	}
	checkLens(dst, t, x)
	n, w := len(t), q+1
	if n < w {
		return fmt.Errorf("%w: %d samples for a %d-point finite-difference stencil", ErrTooFewSamples, n, w)
	}
	if q == 2 {
		fd2(dst, t, x)
		return nil
	}
	c := make([]float64, 2*w)
	for i := range n {
		s := min(max(i-q/2, 0), n-w)
		fornberg(t[i], t[s:s+w], c)
		var d float64
		for j := range w {
			d += c[2*j+1] * x[s+j]
		}
		dst[i] = d
	}
	return nil
}

// fd2 is the three-point, second-order formula on a non-uniform grid,
// written out because it is the default and the benchmark's hot path.
func fd2(dst, t, x []float64) {
	n := len(t)
	// One-sided second-order formulas at the two ends.
	end := func(i0, i1, i2 int) float64 {
		h1, h2 := t[i1]-t[i0], t[i2]-t[i0]
		return (-(h1+h2)/(h1*h2))*x[i0] + (h2/(h1*(h2-h1)))*x[i1] - (h1/(h2*(h2-h1)))*x[i2]
	}
	dst[0] = end(0, 1, 2)
	for i := 1; i < n-1; i++ {
		h1, h2 := t[i]-t[i-1], t[i+1]-t[i]
		dst[i] = (-h2/(h1*(h1+h2)))*x[i-1] + ((h2-h1)/(h1*h2))*x[i] + (h1/(h2*(h1+h2)))*x[i+1]
	}
	dst[n-1] = end(n-1, n-2, n-3)
}

// fornberg computes finite-difference weights at z for the nodes xs, for
// the function value and first derivative: c[2*j+k] is the weight of node
// j for derivative k. (B. Fornberg, Math. Comp. 51 (1988) 699–706.)
func fornberg(z float64, xs []float64, c []float64) {
	const m = 1
	for i := range c {
		c[i] = 0
	}
	c1, c4 := 1.0, xs[0]-z
	c[0] = 1
	for i := 1; i < len(xs); i++ {
		mn := min(i, m)
		c2, c5 := 1.0, c4
		c4 = xs[i] - z
		for j := range i {
			c3 := xs[i] - xs[j]
			c2 *= c3
			if j == i-1 {
				for k := mn; k >= 1; k-- {
					c[2*i+k] = c1 * (float64(k)*c[2*(i-1)+k-1] - c5*c[2*(i-1)+k]) / c2
				}
				c[2*i] = -c1 * c5 * c[2*(i-1)] / c2
			}
			for k := mn; k >= 1; k-- {
				c[2*j+k] = (c4*c[2*j+k] - float64(k)*c[2*j+k-1]) / c3
			}
			c[2*j] = c4 * c[2*j] / c3
		}
		c1 = c2
	}
}

// SavitzkyGolay differentiates by fitting, around every sample, a
// polynomial of degree PolyOrder by least squares to the Window nearest
// samples (centred where possible) and taking its derivative. It works on
// non-uniform grids. Window must be odd and larger than PolyOrder; zero
// values mean Window 11 and PolyOrder 3.
type SavitzkyGolay struct {
	Window, PolyOrder int
}

// Differentiate implements Differentiator.
func (sg SavitzkyGolay) Differentiate(dst, t, x []float64) error {
	w, p := sg.Window, sg.PolyOrder
	if w == 0 {
		w = 11
	}
	if p == 0 {
		p = 3
	}
	if w%2 == 0 || p < 1 || p >= w || p > 10 {
		return fmt.Errorf("%w: Savitzky–Golay window %d, order %d (need odd window > order ≥ 1, order ≤ 10)", ErrSettings, w, p)
	}
	checkLens(dst, t, x)
	n := len(t)
	if n < w {
		return fmt.Errorf("%w: %d samples for a Savitzky–Golay window of %d", ErrTooFewSamples, n, w)
	}
	m := p + 1
	ata := make([]float64, m*m)
	atb := make([]float64, m)
	pw := make([]float64, 2*m)
	for i := range n {
		s := min(max(i-w/2, 0), n-w)
		scale := (t[s+w-1] - t[s]) / 2
		for k := range ata {
			ata[k] = 0
		}
		for k := range atb {
			atb[k] = 0
		}
		for j := s; j < s+w; j++ {
			u := (t[j] - t[i]) / scale
			pw[0] = 1
			for k := 1; k < 2*m; k++ {
				pw[k] = pw[k-1] * u
			}
			for a := range m {
				atb[a] += pw[a] * x[j]
				for b := 0; b <= a; b++ {
					ata[a*m+b] += pw[a+b]
				}
			}
		}
		if !cholSolve(ata, atb, m) {
			return fmt.Errorf("%w: Savitzky–Golay fit at sample %d", ErrSingular, i)
		}
		dst[i] = atb[1] / scale
	}
	return nil
}

// cholSolve solves the m×m symmetric positive definite system given by the
// lower triangle of a (row-major) in place: b becomes the solution. It
// reports false when a is not numerically positive definite.
func cholSolve(a, b []float64, m int) bool {
	for j := range m {
		s := a[j*m+j]
		for k := range j {
			s -= a[j*m+k] * a[j*m+k]
		}
		if !(s > 0) {
			return false
		}
		d := math.Sqrt(s)
		a[j*m+j] = d
		for i := j + 1; i < m; i++ {
			s := a[i*m+j]
			for k := range j {
				s -= a[i*m+k] * a[j*m+k]
			}
			a[i*m+j] = s / d
		}
	}
	for i := range m {
		s := b[i]
		for k := range i {
			s -= a[i*m+k] * b[k]
		}
		b[i] = s / a[i*m+i]
	}
	for i := m - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < m; k++ {
			s -= a[k*m+i] * b[k]
		}
		b[i] = s / a[i*m+i]
	}
	return true
}

func checkLens(dst, t, x []float64) {
	if len(dst) != len(t) || len(x) != len(t) {
		panic(fmt.Sprintf("sindy: Differentiate lengths dst=%d t=%d x=%d differ", len(dst), len(t), len(x)))
	}
}
