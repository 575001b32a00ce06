package cnf

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ToyNames lists the 2-D data sets Toy generates, as named in FFJORD's
// toy_data.py.
var ToyNames = []string{"8gaussians", "moons", "pinwheel", "circles", "checkerboard"}

// Toy writes n points of the named 2-D data set into dst (2n values,
// sample-major), drawing from rng:
//
//   - 8gaussians: eight Gaussians (σ = 0.5) centred on a circle of radius
//     4, scaled by 1/1.414;
//   - moons: scikit-learn's two moons with noise 0.1, mapped by
//     x ↦ 2x + (−1, −0.2);
//   - pinwheel: five spiralling arms (radial σ 0.3, tangential σ 0.1,
//     rate 0.25), scaled by 2;
//   - circles: two concentric circles (scikit-learn's make_circles with
//     factor 0.5 and noise 0.08), scaled by 3;
//   - checkerboard: uniform on the dark squares of a 4×4 board on
//     [−4, 4]², scaled by 2 as FFJORD does.
func Toy(name string, n int, rng *rand.Rand, dst []float64) error {
	if n < 1 {
		return fmt.Errorf("%w: %d samples", ErrShape, n)
	}
	if len(dst) < 2*n {
		return fmt.Errorf("%w: dst has %d values for %d 2-D samples", ErrShape, len(dst), n)
	}
	switch name {
	case "8gaussians":
		s := 1 / math.Sqrt2
		centers := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}}
		for r := range n {
			c := centers[rng.IntN(8)]
			dst[2*r] = (0.5*rng.NormFloat64() + 4*c[0]) / 1.414
			dst[2*r+1] = (0.5*rng.NormFloat64() + 4*c[1]) / 1.414
		}
	case "moons":
		for r := range n {
			th := math.Pi * rng.Float64()
			var x, y float64
			if rng.IntN(2) == 0 {
				x, y = math.Cos(th), math.Sin(th)
			} else {
				x, y = 1-math.Cos(th), 1-math.Sin(th)-0.5
			}
			x += 0.1 * rng.NormFloat64()
			y += 0.1 * rng.NormFloat64()
			dst[2*r] = 2*x - 1
			dst[2*r+1] = 2*y - 0.2
		}
	case "pinwheel":
		const classes, radial, tangential, rate = 5, 0.3, 0.1, 0.25
		for r := range n {
			f0 := radial*rng.NormFloat64() + 1
			f1 := tangential * rng.NormFloat64()
			a := 2*math.Pi*float64(rng.IntN(classes))/classes + rate*math.Exp(f0)
			c, s := math.Cos(a), math.Sin(a)
			dst[2*r] = 2 * (f0*c + f1*s)
			dst[2*r+1] = 2 * (-f0*s + f1*c)
		}
	case "circles":
		for r := range n {
			rad := 1.0
			if rng.IntN(2) == 0 {
				rad = 0.5
			}
			th := 2 * math.Pi * rng.Float64()
			dst[2*r] = 3 * (rad*math.Cos(th) + 0.08*rng.NormFloat64())
			dst[2*r+1] = 3 * (rad*math.Sin(th) + 0.08*rng.NormFloat64())
		}
	case "checkerboard":
		for r := range n {
			x1 := 4*rng.Float64() - 2
			x2 := rng.Float64() - 2*float64(rng.IntN(2))
			x2 += math.Floor(x1) - 2*math.Floor(math.Floor(x1)/2) // 0 or 1: the parity of ⌊x1⌋
			dst[2*r] = 2 * x1
			dst[2*r+1] = 2 * x2
		}
	default:
		return fmt.Errorf("%w: %q (have %v)", ErrUnknownToy, name, ToyNames)
	}
	return nil
}
