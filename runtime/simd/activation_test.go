package simd

import (
	"errors"
	"math"
	"testing"
)

var allActivations = []Activation{Identity, Tanh, ReLU, Softplus, Sigmoid, ELU, GELU, Sin}

// specials are pre-activation values every kernel must treat exactly like
// the scalar definition.
var specials = []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-300, -1e-300, 40, -40, 800, -800}

func actInput(i int, rng interface{ Float64() float64 }) float64 {
	if i%5 == 0 {
		return specials[(i/5)%len(specials)]
	}
	return rng.Float64()*8 - 4
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestBiasAct checks every level bit for bit against the scalar definition
// z += bias; out = act.Apply(z), over every row-length tail.
func TestBiasAct(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(7)
		for _, act := range allActivations {
			for _, rows := range []int{0, 1, 3} {
				for _, cols := range tailSizes[:36] {
					for _, withBias := range bools {
						for _, alias := range bools {
							n := rows * cols
							z, zb := guarded(n, func(i int) float64 { return actInput(i, rng) })
							var bias []float64
							bb := []float64(nil)
							if withBias {
								bias, bb = guarded(cols, func(i int) float64 { return actInput(i+2, rng) })
							}
							out, ob := guarded(n, nil)
							if alias {
								out, ob = z, zb
							}
							wantZ := append([]float64(nil), z...)
							for i := range wantZ {
								if withBias {
									wantZ[i] += bias[i%cols]
								}
							}
							BiasAct(act, bias, z, out, rows, cols)
							for i := range n {
								wz, wo := wantZ[i], act.Apply(wantZ[i])
								if !alias && !sameBits(z[i], wz) {
									t.Fatalf("%v rows=%d cols=%d bias=%v: z[%d] = %v, want %v", act, rows, cols, withBias, i, z[i], wz)
								}
								if !sameBits(out[i], wo) {
									t.Fatalf("%v rows=%d cols=%d bias=%v alias=%v: out[%d] = %v, want %v (z=%v)", act, rows, cols, withBias, alias, i, out[i], wo, wz)
								}
							}
							checkGuards(t, "z", zb, all)
							checkGuards(t, "out", ob, all)
							if bb != nil {
								checkGuards(t, "bias", bb, all)
							}
						}
					}
				}
			}
		}
	})
}

// TestActBackward checks every level bit for bit against g·Deriv(z, y)
// (ReLU: g where z > 0, else +0), including out aliasing g.
func TestActBackward(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(8)
		for _, act := range allActivations {
			for _, n := range tailSizes {
				for _, alias := range bools {
					z, zb := guarded(n, func(i int) float64 { return actInput(i, rng) })
					y, yb := guarded(n, func(i int) float64 { return act.Apply(z[i]) })
					g, gb := guarded(n, func(i int) float64 { return actInput(i+1, rng) })
					want := make([]float64, n)
					for i := range want {
						if act == ReLU {
							if z[i] > 0 {
								want[i] = g[i]
							}
							continue
						}
						want[i] = g[i] * act.Deriv(z[i], y[i])
					}
					out, ob := guarded(n, nil)
					if alias {
						out, ob = g, gb
					}
					ActBackward(act, z, y, g, out)
					for i := range n {
						if !sameBits(out[i], want[i]) {
							t.Fatalf("%v n=%d alias=%v: out[%d] = %v, want %v (z=%v y=%v)", act, n, alias, i, out[i], want[i], z[i], y[i])
						}
					}
					checkGuards(t, "z", zb, all)
					checkGuards(t, "y", yb, all)
					checkGuards(t, "g", gb, all)
					checkGuards(t, "out", ob, all)
				}
			}
		}
	})
}

// TestActivationDerivatives checks Deriv and Deriv2 against central finite
// differences of Apply and Deriv, away from the kinks of ReLU and ELU.
func TestActivationDerivatives(t *testing.T) {
	const h = 1e-5
	for _, act := range allActivations {
		for _, z := range []float64{-3.1, -1.2, -0.4, 0.3, 0.9, 2.2, 5.5} {
			y := act.Apply(z)
			fd := (act.Apply(z+h) - act.Apply(z-h)) / (2 * h)
			if d := act.Deriv(z, y); math.Abs(d-fd) > 1e-8*(1+math.Abs(fd)) {
				t.Errorf("%v'(%v) = %v, finite difference %v", act, z, d, fd)
			}
			dp := act.Deriv(z+h, act.Apply(z+h))
			dm := act.Deriv(z-h, act.Apply(z-h))
			fd2 := (dp - dm) / (2 * h)
			if d2 := act.Deriv2(z, y); math.Abs(d2-fd2) > 1e-7*(1+math.Abs(fd2)) {
				t.Errorf("%v''(%v) = %v, finite difference %v", act, z, d2, fd2)
			}
		}
	}
}

// TestActivationValues pins each definition at points with known values,
// including the overflow-prone tails.
func TestActivationValues(t *testing.T) {
	cases := []struct {
		act     Activation
		z, want float64
	}{
		{Identity, -2.5, -2.5},
		{Tanh, 0.5, 0.46211715726000974},
		{ReLU, -1, 0},
		{ReLU, 2, 2},
		{Softplus, 0, math.Ln2},
		{Softplus, 800, 800},
		{Softplus, -800, 0},
		{Sigmoid, 0, 0.5},
		{Sigmoid, -800, 0},
		{Sigmoid, 800, 1},
		{ELU, -1, math.Expm1(-1)},
		{ELU, 3, 3},
		{GELU, 1, 0.8413447460685429},
		{GELU, -1, -0.15865525393145707},
		{Sin, math.Pi / 2, 1},
	}
	for _, c := range cases {
		if got := c.act.Apply(c.z); math.Abs(got-c.want) > 1e-15*(1+math.Abs(c.want)) {
			t.Errorf("%v(%v) = %v, want %v", c.act, c.z, got, c.want)
		}
	}
}

func TestParseActivation(t *testing.T) {
	for _, act := range allActivations {
		got, err := ParseActivation(act.String())
		if err != nil || got != act {
			t.Errorf("ParseActivation(%q) = %v, %v", act.String(), got, err)
		}
	}
	if _, err := ParseActivation("swish"); !errors.Is(err, ErrActivation) {
		t.Errorf("ParseActivation(swish) error = %v, want ErrActivation", err)
	}
}
