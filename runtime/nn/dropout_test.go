package nn

import (
	"fmt"
	"testing"
)

// TestDropoutDual checks Dropout as a DualLayer with its mask held fixed
// (so finite differences see one function): first and second order via
// checkLayer, the nil-output and exact-identity contracts, in training
// mode, with P = 0, and in evaluation mode.
func TestDropoutDual(t *testing.T) {
	for _, c := range []struct {
		n, batch int
		p        float64
		training bool
	}{{5, 1, 0.3, true}, {7, 3, 0.5, true}, {4, 2, 0, true}, {6, 2, 0.4, false}} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			d, err := NewDropout(c.n, c.p, NewRNG(1))
			if err != nil {
				t.Fatal(err)
			}
			d.Training, d.FixedMask = c.training, true
			var dl DualLayer = d
			checkLayer(t, dl, c.batch, nil, 3, 1e-8)
			checkDualNils(t, dl, c.batch, 4)
			checkDualConsistency(t, dl, c.batch, 5)
		})
	}
}

// TestDropoutMask checks the mask handling: JVP applies one mask to x and
// dx, VJPJVP and VJP use the mask of the last pass, each pass draws a new
// mask unless FixedMask is set, Resample and a batch change draw anew, and
// a backward pass for another batch panics.
func TestDropoutMask(t *testing.T) {
	const n, b = 50, 4
	d, _ := NewDropout(n, 0.5, NewRNG(2))
	rng := NewRNG(3)
	x, dx := randVec(rng, n*b), randVec(rng, n*b)
	gy, gdy := randVec(rng, n*b), randVec(rng, n*b)
	y, dy := make([]float64, n*b), make([]float64, n*b)
	gx, gdx := make([]float64, n*b), make([]float64, n*b)

	d.JVP(x, dx, y, dy, b)
	m := append([]float64(nil), d.Mask()...)
	dropped := 0
	for i, v := range m {
		if v != 0 && v != 2 {
			t.Fatalf("mask[%d] = %v, want 0 or 2", i, v)
		}
		if v == 0 {
			dropped++
		}
		if y[i] != m[i]*x[i] || dy[i] != m[i]*dx[i] {
			t.Fatalf("JVP value %d: y %v dy %v with mask %v, x %v, dx %v", i, y[i], dy[i], m[i], x[i], dx[i])
		}
	}
	if dropped == 0 || dropped == n*b {
		t.Fatalf("%d of %d dropped", dropped, n*b)
	}
	d.VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, nil, b)
	g1 := make([]float64, n*b)
	d.VJP(x, y, gy, g1, nil, b)
	for i := range m {
		if gx[i] != m[i]*gy[i] || gdx[i] != m[i]*gdy[i] || g1[i] != gx[i] {
			t.Fatalf("value %d: gx %v gdx %v VJP %v, mask %v", i, gx[i], gdx[i], g1[i], m[i])
		}
	}

	same := func(a, b []float64) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return len(a) == len(b)
	}
	d.Forward(x, y, b)
	if same(d.Mask(), m) {
		t.Error("Forward without FixedMask reused the mask")
	}
	d.FixedMask = true
	m2 := append([]float64(nil), d.Mask()...)
	d.Forward(x, y, b)
	d.JVP(x, dx, y, dy, b)
	if !same(d.Mask(), m2) {
		t.Error("FixedMask: Forward or JVP drew a new mask")
	}
	d.Resample(b)
	if same(d.Mask(), m2) {
		t.Error("Resample kept the mask")
	}
	d.Forward(x[:n], y[:n], 1)
	if len(d.Mask()) != n {
		t.Errorf("FixedMask, batch 1 after batch %d: mask length %d, want %d", b, len(d.Mask()), n)
	}
	defer func() {
		if recover() == nil {
			t.Error("VJPJVP for another batch than the last pass did not panic")
		}
	}()
	d.VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, nil, b)
}

// TestDropoutInDualSequential checks that a Sequential with a fixed-mask
// Dropout is dual, its Hutchinson trace and gradient, and that the dual
// paths allocate nothing after warm-up.
func TestDropoutInDualSequential(t *testing.T) {
	d, _ := NewDropout(12, 0.25, NewRNG(4))
	d.FixedMask = true
	s := NewSequential(NewDense(3, 12, NewRNG(1)), NewAct(Tanh, 12), d, NewDense(12, 3, NewRNG(2)))
	if _, ok := s.AsLayer().(DualLayer); !ok {
		t.Fatal("AsLayer of a Sequential with Dropout is not a DualLayer")
	}
	checkLayer(t, s.AsLayer(), 2, nil, 5, 1e-7)
	// Batch 1: the finite-difference Jacobian runs at batch 1 too, and a
	// fixed mask is redrawn when the batch changes.
	checkHutchinson(t, s, 1, 6, 1e-6)

	for _, fixed := range []bool{true, false} {
		d.FixedMask = fixed
		const b = 5
		rng := NewRNG(7)
		x, dx, gy, gdy := randVec(rng, 12*b), randVec(rng, 12*b), randVec(rng, 12*b), randVec(rng, 12*b)
		y, dy, gx, gdx := make([]float64, 12*b), make([]float64, 12*b), make([]float64, 12*b), make([]float64, 12*b)
		step := func() {
			d.JVP(x, dx, y, dy, b)
			d.VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, nil, b)
			d.Forward(x, y, b)
			d.VJP(x, y, gy, gx, nil, b)
		}
		step()
		if a := testing.AllocsPerRun(20, step); a != 0 && !raceEnabled {
			t.Errorf("FixedMask %v: %v allocations, want 0", fixed, a)
		}
	}
}
