package nn

import (
	"fmt"
	"testing"
)

// gruDual views a GRU cell as a DualLayer on the concatenation [x, h]
// with tangent [dx, dh], so checkLayer can test GRUCell.JVP and
// GRUCell.VJPJVP with respect to x, dx, h, dh and θ.
type gruDual struct{ gruLayer }

func (l gruDual) join(x, h, xh []float64, b int) {
	I, H := l.g.In, l.g.Hidden
	for r := 0; r < b; r++ {
		copy(xh[r*(I+H):], x[r*I:(r+1)*I])
		copy(xh[r*(I+H)+I:], h[r*H:(r+1)*H])
	}
}

func (l gruDual) JVP(xh, dxh, y, dy []float64, b int) {
	x, h := l.split(xh, b)
	dx, dh := l.split(dxh, b)
	l.g.JVP(x, dx, h, dh, y, dy, b)
}

func (l gruDual) VJPJVP(xh, dxh, y, dy, gy, gdy, gxh, gdxh, gp []float64, b int) {
	I, H := l.g.In, l.g.Hidden
	x, h := l.split(xh, b)
	dx, dh := l.split(dxh, b)
	var gx, gh, gdx, gdh []float64
	if gxh != nil {
		gx, gh = make([]float64, b*I), make([]float64, b*H)
	}
	if gdxh != nil {
		gdx, gdh = make([]float64, b*I), make([]float64, b*H)
	}
	l.g.VJPJVP(x, dx, h, dh, gy, gdy, gx, gdx, gh, gdh, gp, b)
	if gxh != nil {
		l.join(gx, gh, gxh, b)
	}
	if gdxh != nil {
		l.join(gdx, gdh, gdxh, b)
	}
}

var gruShapes = []struct{ in, hidden, batch int }{{1, 1, 1}, {3, 4, 1}, {2, 5, 3}, {4, 2, 2}, {6, 7, 4}}

// TestGRUCellDual checks GRUCell.JVP against directional finite
// differences and GRUCell.VJPJVP's gradients with respect to x, dx, h, dh
// and θ against finite differences of rᵀhNew + qᵀdhNew (via checkLayer),
// plus the nil-output and exact-identity contracts, on several shapes.
func TestGRUCellDual(t *testing.T) {
	for _, c := range gruShapes {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			g := NewGRUCell(c.in, c.hidden, NewRNG(1))
			randomizeParams(gruLayer{g}, 2) // larger weights than PyTorch's init: gates away from ½
			l := gruDual{gruLayer{g}}
			checkLayer(t, l, c.batch, nil, 3, 1e-7)
			checkDualNils(t, l, c.batch, 4)
			checkDualConsistency(t, l, c.batch, 5)
		})
	}
}

// TestGRUCellVJPJVPOutputs checks that each of GRUCell.VJPJVP's four input
// gradients can be asked for alone (the others nil) and equals its value
// when all are asked for.
func TestGRUCellVJPJVPOutputs(t *testing.T) {
	const I, H, b = 3, 4, 2
	g := NewGRUCell(I, H, NewRNG(1))
	rng := NewRNG(2)
	x, dx := randVec(rng, b*I), randVec(rng, b*I)
	h, dh := randVec(rng, b*H), randVec(rng, b*H)
	gy, gdy := randVec(rng, b*H), randVec(rng, b*H)
	all := [4][]float64{make([]float64, b*I), make([]float64, b*I), make([]float64, b*H), make([]float64, b*H)}
	g.VJPJVP(x, dx, h, dh, gy, gdy, all[0], all[1], all[2], all[3], nil, b)
	for k, name := range []string{"gx", "gdx", "gh", "gdh"} {
		var one [4][]float64
		one[k] = make([]float64, len(all[k]))
		g.VJPJVP(x, dx, h, dh, gy, gdy, one[0], one[1], one[2], one[3], nil, b)
		closeVec(t, name+" alone", one[k], all[k], 1e-14)
	}
}

func TestGRUCellNoAllocs(t *testing.T) {
	const I, H, b = 3, 8, 5
	g := NewGRUCell(I, H, NewRNG(1))
	rng := NewRNG(2)
	x, dx := randVec(rng, b*I), randVec(rng, b*I)
	h, dh := randVec(rng, b*H), randVec(rng, b*H)
	gy, gdy := randVec(rng, b*H), randVec(rng, b*H)
	hn, dhn := make([]float64, b*H), make([]float64, b*H)
	gx, gdx, gh, gdh := make([]float64, b*I), make([]float64, b*I), make([]float64, b*H), make([]float64, b*H)
	gp := make([]float64, g.NumParams())
	step := func() {
		g.Forward(x, h, hn, b)
		g.VJP(x, h, gy, gx, gh, gp, b)
		g.JVP(x, dx, h, dh, hn, dhn, b)
		g.VJPJVP(x, dx, h, dh, gy, gdy, gx, gdx, gh, gdh, gp, b)
	}
	step() // warm-up grows the workspace
	if a := testing.AllocsPerRun(20, step); a != 0 && !raceEnabled {
		t.Errorf("%v allocations per GRU forward/VJP/JVP/VJPJVP, want 0", a)
	}
}
