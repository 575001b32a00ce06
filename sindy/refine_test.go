package sindy

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestEstimateNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 4000
	ts := make([]float64, n)
	clean := make([]float64, n)
	noisy := make([]float64, n)
	for i := range n {
		// A non-uniform grid.
		ts[i] = 0.01*float64(i) + 0.004*math.Sin(float64(i))
		clean[i] = 3 * math.Sin(ts[i])
		noisy[i] = clean[i] + 0.2*rng.NormFloat64()
	}
	if got := EstimateNoise(ts, noisy); math.Abs(got-0.2) > 0.01 {
		t.Errorf("noise estimate %.4g, want 0.2 ± 0.01", got)
	}
	if got := EstimateNoise(ts, clean); got > 1e-6 {
		t.Errorf("noise estimate on a smooth signal %.3g, want < 1e-6", got)
	}
	if got := EstimateNoise(ts[:6], noisy[:6]); got != 0 {
		t.Errorf("noise estimate from 6 samples %g, want 0", got)
	}
}

// TestRefineCleanIsExact starts the refinement from coefficients 2% off on
// clean Lorenz data: it must land on the true ones.
func TestRefineCleanIsExact(t *testing.T) {
	data := []Trajectory{lorenzData()}
	data[0].T, data[0].X = data[0].T[:2000], data[0].X[:2000] // 4 time units
	m, err := Fit(data, &Settings{Names: []string{"x", "y", "z"}})
	if err != nil {
		t.Fatal(err)
	}
	k, p := m.Coef.Dims()
	for i := range k {
		for j := range p {
			if w := lorenzTrue.At(i, j); w != 0 {
				m.Coef.Set(i, j, w*1.02)
			}
		}
	}
	if err := m.Refine(data, &Refinement{Iterations: 8}); err != nil {
		t.Fatal(err)
	}
	if abs, _ := supportAndError(t, m, lorenzTrue); abs > 1e-6 {
		t.Errorf("refined on clean data: max coefficient error %.3g > 1e-6\n%s", abs, m)
	}
}

// TestRefineTwoTrajectories refines a damped linear oscillator found by
// the weak form from two noisy, non-uniformly sampled trajectories.
func TestRefineTwoTrajectories(t *testing.T) {
	f := func(x, dx []float64) {
		dx[0] = -0.1*x[0] + 2*x[1]
		dx[1] = -2*x[0] - 0.1*x[1]
	}
	want := mat.NewDense(2, 6, []float64{
		0, -0.1, 2, 0, 0, 0,
		0, -2, -0.1, 0, 0, 0,
	})
	rng := rand.New(rand.NewPCG(8, 8))
	var data []Trajectory
	for _, x0 := range [][]float64{{2, 0}, {0, -1.5}} {
		ts, xs := rk4(f, x0, 0.01, 1000, 4)
		// Drop a third of the samples at random: a non-uniform grid.
		var tr Trajectory
		for i := range ts {
			if i == 0 || i == len(ts)-1 || rng.Float64() > 0.33 {
				tr.T = append(tr.T, ts[i])
				tr.X = append(tr.X, xs[i])
			}
		}
		data = append(data, addNoise(tr, 0.05, uint64(len(data)+1)))
	}
	set := &Settings{Names: []string{"x", "y"}, Weak: &WeakForm{Subdomains: 200, Width: 1},
		Optimizer: STLSQ{Threshold: 0.02, Relative: true, Unbias: true}}
	weak, err := Fit(data, set)
	if err != nil {
		t.Fatal(err)
	}
	_, relWeak := supportAndError(t, weak, want)
	// A linear system is not chaotic: the last window can span the whole run.
	set.Refine = &Refinement{Windows: []float64{1, 2.5, 5, 10}}
	m, err := Fit(data, set)
	if err != nil {
		t.Fatal(err)
	}
	_, rel := supportAndError(t, m, want)
	t.Logf("largest relative coefficient error: weak form %.3g, refined %.3g\n%s", relWeak, rel, m)
	if rel > 0.02 {
		t.Errorf("refined coefficients off by %.3g > 2%%", rel)
	}
	if rel > relWeak {
		t.Errorf("refinement made the largest error worse: %.3g > %.3g", rel, relWeak)
	}
}

func TestRefineErrors(t *testing.T) {
	data := []Trajectory{lorenzData()}
	m, err := Fit(data, &Settings{Names: []string{"x", "y", "z"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts *Refinement
		data []Trajectory
		want error
	}{
		{"zero window", &Refinement{Windows: []float64{0}}, data, ErrSettings},
		{"infinite window", &Refinement{Windows: []float64{math.Inf(1)}}, data, ErrSettings},
		{"negative iterations", &Refinement{Iterations: -1}, data, ErrSettings},
		{"NaN step", &Refinement{MaxStep: math.NaN()}, data, ErrSettings},
		{"noise length", &Refinement{Noise: []float64{1}}, data, ErrShape},
		{"negative noise", &Refinement{Noise: []float64{1, -1, 1}}, data, ErrSettings},
		{"no data", nil, nil, ErrNoData},
		{"wrong dimension", nil, []Trajectory{{T: []float64{0, 1, 2}, X: [][]float64{{1}, {2}, {3}}}}, ErrShape},
	} {
		if err := m.Refine(tc.data, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	// x' = x² from x(0) = 1 blows up at t = 1.
	blow := &Model{Names: []string{"x"}, Coef: mat.NewDense(1, 3, []float64{0, 0, 1})}
	blow.Features, _ = Polynomial{Degree: 2}.Features(blow.Names)
	tr := Trajectory{}
	for i := range 300 {
		tr.T = append(tr.T, 0.01*float64(i))
		tr.X = append(tr.X, []float64{1})
	}
	if err := blow.Refine([]Trajectory{tr}, &Refinement{Windows: []float64{3}}); !errors.Is(err, ErrDiverged) {
		t.Errorf("diverging model: error %v, want ErrDiverged", err)
	}
}

// TestRefineFixed refines Lotka–Volterra with the linear terms known and
// held (a universal differential equation's physics): the interaction
// coefficients, started 15% off, must come back within 2% from noisy data
// while the fixed ones keep their exact values.
func TestRefineFixed(t *testing.T) {
	const alpha, beta, gamma, delta = 1.3, 0.9, 0.8, 1.8
	f := func(x, dx []float64) {
		dx[0] = alpha*x[0] - beta*x[0]*x[1]
		dx[1] = gamma*x[0]*x[1] - delta*x[1]
	}
	ts, xs := rk4(f, []float64{0.4425, 4.628}, 0.02, 401, 4) // t ∈ [0, 8]
	data := []Trajectory{addNoise(Trajectory{T: ts, X: xs}, 0.02, 5)}
	names := []string{"x", "y"}
	feats, err := Polynomial{Degree: 2, NoBias: true}.Features(names) // x y x^2 xy y^2
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Names: names, Features: feats, Coef: mat.NewDense(2, 5, []float64{
		alpha, 0, 0, -beta * 1.15, 0,
		0, -delta, 0, gamma * 0.85, 0,
	})}
	fixed := [][]bool{{true, false, false, false, false}, {false, true, false, false, false}}
	if err := m.Refine(data, &Refinement{Fixed: fixed, Windows: []float64{1, 2, 4, 8}}); err != nil {
		t.Fatal(err)
	}
	if m.Coef.At(0, 0) != alpha || m.Coef.At(1, 1) != -delta {
		t.Errorf("fixed coefficients moved: %v, %v", m.Coef.At(0, 0), m.Coef.At(1, 1))
	}
	for _, c := range []struct{ got, want float64 }{{m.Coef.At(0, 3), -beta}, {m.Coef.At(1, 3), gamma}} {
		if rel := math.Abs(c.got/c.want - 1); rel > 0.02 {
			t.Errorf("coefficient %.4g, want %.4g (%.2f%% off)", c.got, c.want, 100*rel)
		}
	}
	t.Logf("%s", m)
	for _, bad := range [][][]bool{{{true}}, {{true}, {false}}} {
		if err := m.Refine(data, &Refinement{Fixed: bad}); !errors.Is(err, ErrShape) {
			t.Errorf("Fixed %v: error %v, want ErrShape", bad, err)
		}
	}
	// Everything fixed: nothing to do, nothing changes.
	all := [][]bool{{true, true, true, true, true}, {true, true, true, true, true}}
	before := mat.DenseCopyOf(m.Coef)
	if err := m.Refine(data, &Refinement{Fixed: all}); err != nil || !mat.Equal(before, m.Coef) {
		t.Errorf("all fixed: error %v, coefficients changed %v", err, !mat.Equal(before, m.Coef))
	}
}
