package anode

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Radii of Nested's classes (Dupont et al. 2019, section 4.1).
const (
	R1 = 0.5 // inner class: |x| ≤ R1
	R2 = 1.0 // outer class: R2 ≤ |x| ≤ R3
	R3 = 1.5
)

// Nested writes n points of Dupont et al.'s g function in dimension d
// into x (n·d values) and their labels into labels (n values):
//
//	g(x) = −1 for |x| ≤ R1,   g(x) = +1 for R2 ≤ |x| ≤ R3.
//
// Sample r belongs to the inner class when r mod 3 = 0 and to the outer
// shell otherwise; its radius is uniform in its class's range and its
// direction uniform (in 1-D: x < 0 when r mod 3 = 1, x > 0 when r mod 3 =
// 2, so the three intervals hold a third of the points each). In 1-D no
// threshold on a monotone function of x classifies more than about two
// thirds correctly: a plain neural ODE with a linear read-out cannot
// exceed that.
func Nested(d, n int, rng *rand.Rand, x, labels []float64) error {
	if d < 1 || n < 1 {
		return fmt.Errorf("%w: Nested(d = %d, n = %d)", ErrShape, d, n)
	}
	if len(x) < n*d || len(labels) < n {
		return fmt.Errorf("%w: Nested: %d values and %d labels for %d samples of dimension %d", ErrShape, len(x), len(labels), n, d)
	}
	for r := range n {
		p := x[r*d : (r+1)*d]
		var rad float64
		if r%3 == 0 {
			rad, labels[r] = R1*rng.Float64(), -1
		} else {
			rad, labels[r] = R2+(R3-R2)*rng.Float64(), 1
		}
		if d == 1 {
			switch r % 3 {
			case 0:
				p[0] = R1 * (2*rng.Float64() - 1)
			case 1:
				p[0] = -rad
			default:
				p[0] = rad
			}
			continue
		}
		norm := 0.0
		for norm == 0 {
			for j := range p {
				p[j] = rng.NormFloat64()
			}
			norm = 0
			for _, v := range p {
				norm += v * v
			}
			norm = math.Sqrt(norm)
		}
		for j := range p {
			p[j] *= rad / norm
		}
	}
	return nil
}
