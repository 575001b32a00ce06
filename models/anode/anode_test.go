package anode

import (
	"errors"
	"math"
	"sort"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
)

func newModel(t *testing.T, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLossGrad checks LossGrad against central differences of the loss of
// Predict, for the vector field's and the read-out's parameters, with
// each adjoint method.
func TestLossGrad(t *testing.T) {
	x := []float64{0.3, -1.2, 0.8, 1.4, -0.5, 0.1}
	labels := []float64{1, -1, 1}
	for _, meth := range []adjoint.Method{adjoint.Backsolve, adjoint.Checkpoint, adjoint.Discrete} {
		m := newModel(t, Config{InDim: 2, Augment: 2, OutDim: 1, Hidden: []int{5}, Seed: 3, Adjoint: meth, RTol: 1e-10, ATol: 1e-11})
		p := m.Params()
		for i := range p {
			p[i] *= 1.5
		}
		loss := Logistic(labels)
		grad := make([]float64, len(p))
		l, err := m.LossGrad(x, 3, loss, grad)
		if err != nil {
			t.Fatal(err)
		}
		out, gout := make([]float64, 3), make([]float64, 3)
		f := func(q []float64) float64 {
			copy(p, q)
			if err := m.Predict(x, 3, out); err != nil {
				t.Fatal(err)
			}
			return loss(out, gout)
		}
		p0 := append([]float64(nil), p...)
		if l0 := f(p0); math.Abs(l0-l) > 1e-9 {
			t.Errorf("%v: LossGrad loss %.12g, Predict loss %.12g", meth, l, l0)
		}
		want := fd.Gradient(nil, f, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		copy(p, p0)
		for i := range grad {
			if math.Abs(grad[i]-want[i]) > 1e-6*(1+math.Abs(want[i])) {
				t.Errorf("%v: dL/dθ[%d] = %.9g, finite differences %.9g", meth, i, grad[i], want[i])
			}
		}
	}
}

// TestAugmentationIsZero checks that h(0) = [x, 0]: with a zero vector
// field the flow returns the lifted input.
func TestAugmentationIsZero(t *testing.T) {
	m := newModel(t, Config{InDim: 2, Augment: 3})
	clear(m.Net().Params())
	x := []float64{1, 2, -3, 4}
	h := make([]float64, 10)
	for i := range h {
		h[i] = math.NaN()
	}
	if err := m.Flow(x, 2, h); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 0, 0, 0, -3, 4, 0, 0, 0}
	for i := range want {
		if h[i] != want[i] {
			t.Fatalf("h(T) = %v, want %v", h, want)
		}
	}
}

func fit(t *testing.T, m *Model, x, labels []float64, iters int) {
	t.Helper()
	opt := nn.NewAdam(2e-2)
	g := make([]float64, len(m.Params()))
	loss := Logistic(labels)
	for it := range iters {
		if _, err := m.LossGrad(x, len(labels), loss, g); err != nil {
			t.Fatalf("iteration %d: %v", it, err)
		}
		opt.Step(m.Params(), g)
	}
}

// TestNestedIntervals trains a plain and an augmented neural ODE of about
// the same size on the 1-D nested-intervals task (Dupont et al. 2019,
// g(x) = −1 for |x| ≤ 0.5, +1 for 1 ≤ |x| ≤ 1.5). The plain model's flow
// keeps the order of points on the line, so a linear read-out gets at
// most two of the three intervals right; the augmented one separates
// them.
func TestNestedIntervals(t *testing.T) {
	const n, nTest, iters = 150, 600, 150
	x, y := make([]float64, n), make([]float64, n)
	xt, yt := make([]float64, nTest), make([]float64, nTest)
	if err := Nested(1, n, nn.NewRNG(1), x, y); err != nil {
		t.Fatal(err)
	}
	if err := Nested(1, nTest, nn.NewRNG(2), xt, yt); err != nil {
		t.Fatal(err)
	}
	aug := newModel(t, Config{InDim: 1, Augment: 1, Hidden: []int{16}, Seed: 1})
	plain := newModel(t, Config{InDim: 1, Hidden: []int{28}, Seed: 1})
	t.Logf("parameters: augmented %d, plain %d", len(aug.Params()), len(plain.Params()))
	if len(plain.Params()) < len(aug.Params()) {
		t.Fatalf("the plain model must not be smaller than the augmented one")
	}
	out := make([]float64, nTest)
	acc := map[string]float64{}
	for name, m := range map[string]*Model{"augmented": aug, "plain": plain} {
		fit(t, m, x, y, iters)
		if err := m.Predict(xt, nTest, out); err != nil {
			t.Fatal(err)
		}
		acc[name] = Accuracy(out, yt)
	}
	t.Logf("held-out accuracy after %d iterations: augmented %.3f, plain %.3f", iters, acc["augmented"], acc["plain"])
	if acc["augmented"] < 0.95 {
		t.Errorf("augmented NODE accuracy %.3f, want ≥ 0.95", acc["augmented"])
	}
	if acc["plain"] > 0.70 {
		t.Errorf("plain NODE accuracy %.3f, want ≤ 0.70 (it cannot represent the task)", acc["plain"])
	}

	// The reason: the plain flow is monotone on the line.
	h := make([]float64, nTest)
	if err := plain.Flow(xt, nTest, h); err != nil {
		t.Fatal(err)
	}
	idx := make([]int, nTest)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return xt[idx[a]] < xt[idx[b]] })
	for k := 1; k < nTest; k++ {
		if h[idx[k]] < h[idx[k-1]] {
			t.Fatalf("plain flow not monotone: x %.4f < %.4f but h(T) %.6f > %.6f", xt[idx[k-1]], xt[idx[k]], h[idx[k-1]], h[idx[k]])
		}
	}
}

// TestConcentricSpheres trains an augmented model on the 2-D version of
// the task (a disc inside an annulus).
func TestConcentricSpheres(t *testing.T) {
	const n, nTest, iters = 240, 600, 200
	x, y := make([]float64, 2*n), make([]float64, n)
	xt, yt := make([]float64, 2*nTest), make([]float64, nTest)
	if err := Nested(2, n, nn.NewRNG(3), x, y); err != nil {
		t.Fatal(err)
	}
	if err := Nested(2, nTest, nn.NewRNG(4), xt, yt); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, Config{InDim: 2, Augment: 1, Hidden: []int{16}, Seed: 2})
	fit(t, m, x, y, iters)
	out := make([]float64, nTest)
	if err := m.Predict(xt, nTest, out); err != nil {
		t.Fatal(err)
	}
	acc := Accuracy(out, yt)
	t.Logf("2-D held-out accuracy after %d iterations: %.3f", iters, acc)
	if acc < 0.95 {
		t.Errorf("augmented NODE accuracy %.3f on concentric circles, want ≥ 0.95", acc)
	}
}

func TestNestedData(t *testing.T) {
	for _, d := range []int{1, 2, 3} {
		const n = 3000
		x, y := make([]float64, n*d), make([]float64, n)
		if err := Nested(d, n, nn.NewRNG(9), x, y); err != nil {
			t.Fatal(err)
		}
		var neg, left, right int
		for r := range n {
			rad := 0.0
			for _, v := range x[r*d : (r+1)*d] {
				rad += v * v
			}
			rad = math.Sqrt(rad)
			switch {
			case y[r] == -1 && rad <= R1:
				neg++
			case y[r] == 1 && rad >= R2 && rad <= R3:
				if x[r*d] < 0 {
					left++
				} else {
					right++
				}
			default:
				t.Fatalf("d=%d sample %d: |x| = %v with label %v", d, r, rad, y[r])
			}
		}
		if neg != n/3 {
			t.Errorf("d=%d: %d inner points, want %d", d, neg, n/3)
		}
		if d == 1 && (left != n/3 || right != n/3) {
			t.Errorf("1-D: %d left and %d right points, want %d each", left, right, n/3)
		}
	}
}

func TestErrorsAndAllocs(t *testing.T) {
	for _, cfg := range []Config{{}, {InDim: 1, Augment: -1}, {InDim: 1, OutDim: -2}, {InDim: 1, T: math.NaN()}, {InDim: 1, Hidden: []int{0}}, {InDim: 1, Method: "nope"}, {InDim: 1, RTol: -1}} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v): %v, want ErrConfig", cfg, err)
		}
	}
	m := newModel(t, Config{InDim: 2, Augment: 1})
	out := make([]float64, 2)
	if err := m.Predict([]float64{1, 2, 3}, 2, out); !errors.Is(err, ErrShape) {
		t.Errorf("short input: %v, want ErrShape", err)
	}
	if err := m.Predict([]float64{1, 2, math.Inf(1), 0}, 2, out); !errors.Is(err, ErrShape) {
		t.Errorf("infinite input: %v, want ErrShape", err)
	}
	if err := Nested(1, 3, nn.NewRNG(1), make([]float64, 2), make([]float64, 3)); !errors.Is(err, ErrShape) {
		t.Errorf("Nested with a short x: %v", err)
	}
	m = newModel(t, Config{InDim: 1, MaxSteps: 1, RTol: 1e-12, ATol: 1e-12})
	g := make([]float64, len(m.Params()))
	if _, err := m.LossGrad([]float64{1, -1}, 2, Logistic([]float64{1, -1}), g); !errors.Is(err, ErrSolve) {
		t.Errorf("MaxSteps 1: %v, want ErrSolve", err)
	}

	m = newModel(t, Config{InDim: 1, Augment: 1})
	x, y := make([]float64, 30), make([]float64, 30)
	if err := Nested(1, 30, nn.NewRNG(1), x, y); err != nil {
		t.Fatal(err)
	}
	loss := Logistic(y)
	g = make([]float64, len(m.Params()))
	o := make([]float64, 30)
	run := func() {
		if _, err := m.LossGrad(x, 30, loss, g); err != nil {
			t.Fatal(err)
		}
		if err := m.Predict(x, 30, o); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if raceEnabled {
		return // the race detector allocates
	}
	if a := testing.AllocsPerRun(5, run); a != 0 {
		t.Errorf("%v allocations per LossGrad+Predict", a)
	}
}
