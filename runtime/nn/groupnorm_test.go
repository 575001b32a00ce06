package nn

import (
	"fmt"
	"testing"
)

var groupNormShapes = []struct{ c, s, g, batch int }{
	{4, 3, 2, 1}, {6, 4, 3, 2}, {4, 1, 1, 3}, {3, 5, 3, 2}, {8, 2, 1, 2},
	{8, 9, 4, 1}, {2, 1, 2, 2}, // groups of one value: x̂ = 0, J = 0
}

// TestGroupNormDual checks GroupNorm's JVP and VJPJVP (first and second
// order against finite differences, via checkLayer), the nil-output and
// exact-identity contracts, on several shapes, with inputs far from zero
// mean and with one γ exactly zero.
func TestGroupNormDual(t *testing.T) {
	for _, c := range groupNormShapes {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			l := NewGroupNorm(c.c, c.s, c.g)
			var dl DualLayer = l // compile-time and documentation check
			randomizeParams(l, 2)
			checkLayer(t, dl, c.batch, nil, 3, 1e-6)
			checkDualNils(t, dl, c.batch, 4)
			checkDualConsistency(t, dl, c.batch, 5)

			// Shifted, scaled input and a zero γ.
			l.Gamma[0] = 0
			x := randVec(NewRNG(6), c.batch*l.InSize())
			for i := range x {
				x[i] = 4 + 3*x[i]
			}
			checkLayer(t, dl, c.batch, x, 7, 1e-6)
		})
	}
}

// TestGroupNormHutchinson checks the CNF trace estimate and its gradient
// through Sequentials that contain a GroupNorm: an ODE-Net style image
// block and two vector networks (GroupNorm over features, and one group =
// LayerNorm).
func TestGroupNormHutchinson(t *testing.T) {
	for _, c := range []struct {
		name  string
		net   func() *Sequential
		batch int
	}{
		{"conv", func() *Sequential {
			gn := NewGroupNorm(4, 16, 2)
			randomizeParams(gn, 3)
			return NewSequential(NewConv2d(2, 4, 4, 4, 3, 1, 1, NewRNG(1)), gn, NewAct(Tanh, 64),
				NewConv2d(4, 2, 4, 4, 3, 1, 1, NewRNG(2)))
		}, 2},
		{"dense_g2", func() *Sequential {
			gn := NewGroupNorm(8, 1, 2)
			randomizeParams(gn, 4)
			return NewSequential(NewDense(3, 8, NewRNG(1)), gn, NewAct(Softplus, 8), NewDense(8, 3, NewRNG(2)))
		}, 3},
		{"dense_layernorm", func() *Sequential {
			gn := NewGroupNorm(1, 10, 1)
			randomizeParams(gn, 5)
			return NewSequential(NewDense(2, 10, NewRNG(1)), NewAct(Tanh, 10), gn, NewDense(10, 2, NewRNG(2)))
		}, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.net()
			if _, ok := s.AsLayer().(DualLayer); !ok {
				t.Fatal("AsLayer of a Sequential with GroupNorm is not a DualLayer")
			}
			checkHutchinson(t, s, c.batch, 8, 1e-6)
		})
	}
}

func TestGroupNormDualNoAllocs(t *testing.T) {
	l := NewGroupNorm(6, 4, 3)
	randomizeParams(l, 1)
	const b = 3
	n := b * l.InSize()
	rng := NewRNG(2)
	x, dx, gy, gdy := randVec(rng, n), randVec(rng, n), randVec(rng, n), randVec(rng, n)
	y, dy, gx, gdx, gp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, 2*6)
	step := func() {
		l.JVP(x, dx, y, dy, b)
		l.VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp, b)
	}
	if a := testing.AllocsPerRun(20, step); a != 0 && !raceEnabled {
		t.Errorf("GroupNorm JVP+VJPJVP: %v allocations, want 0", a)
	}

	gn := NewGroupNorm(4, 16, 2)
	s := NewSequential(NewConv2d(2, 4, 4, 4, 3, 1, 1, NewRNG(1)), gn, NewAct(Tanh, 64), NewConv2d(4, 2, 4, 4, 3, 1, 1, NewRNG(2)))
	m := b * s.InSize()
	z, eps, sg := randVec(rng, m), randVec(rng, m), randVec(rng, m)
	f, gz, tr, gtr := make([]float64, m), make([]float64, m), make([]float64, b), randVec(rng, b)
	sgp := make([]float64, s.NumParams())
	seq := func() {
		s.HutchinsonTrace(z, eps, f, tr, b)
		s.HutchinsonVJP(z, eps, sg, gtr, gz, sgp, b)
	}
	seq() // warm-up grows the workspace
	if a := testing.AllocsPerRun(10, seq); a != 0 && !raceEnabled {
		t.Errorf("Hutchinson trace+VJP through GroupNorm: %v allocations, want 0", a)
	}
}
