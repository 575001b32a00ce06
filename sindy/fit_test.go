package sindy

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Van der Pol-like cubic oscillator used for multi-trajectory tests.
func cubicRHS(x, dx []float64) {
	dx[0] = x[1]
	dx[1] = -x[0] + 0.5*x[1] - 0.5*x[0]*x[0]*x[1]
}

var cubicTrue = mat.NewDense(2, 10, []float64{
	// 1 x y x^2 xy y^2 x^3 x^2y xy^2 y^3
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
	0, -1, 0.5, 0, 0, 0, 0, -0.5, 0, 0,
})

func TestFitManyNonUniformTrajectories(t *testing.T) {
	// Three short trajectories, each resampled on its own non-uniform grid.
	var data []Trajectory
	for k, x0 := range [][]float64{{2, 0}, {0.5, 0.5}, {-1, 2}} {
		ts, xs := rk4(cubicRHS, x0, 0.001, 4001, 2)
		var tr Trajectory
		for i := 0; i < len(ts); {
			tr.T = append(tr.T, ts[i])
			tr.X = append(tr.X, xs[i])
			i += 3 + (i/7+k)%5 // steps of 3–7 fine samples
		}
		data = append(data, tr)
	}
	for _, d := range []Differentiator{FiniteDifference{Order: 4}, SavitzkyGolay{Window: 9, PolyOrder: 4}, SmoothingSpline{}} {
		m, err := Fit(data, &Settings{Names: []string{"x", "y"}, Library: Polynomial{Degree: 3}, Diff: d})
		if err != nil {
			t.Fatal(err)
		}
		abs, _ := supportAndError(t, m, cubicTrue)
		if abs > 1e-4 {
			t.Errorf("%T: max coefficient error %.3g", d, abs)
		}
		if r2 := m.Score(); r2 < 0.999999 {
			t.Errorf("%T: R² = %v", d, r2)
		}
	}
	// The weak form works on the same non-uniform data.
	m, err := Fit(data, &Settings{Names: []string{"x", "y"}, Library: Polynomial{Degree: 3}, Weak: &WeakForm{Subdomains: 100, Width: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if abs, _ := supportAndError(t, m, cubicTrue); abs > 1e-4 {
		t.Errorf("weak form: max coefficient error %.3g", abs)
	}
}

func TestFitPrecomputedDerivatives(t *testing.T) {
	ts, xs := rk4(cubicRHS, []float64{1, 1}, 0.01, 300, 1)
	dx := make([][]float64, len(xs))
	for i, x := range xs {
		dx[i] = make([]float64, 2)
		cubicRHS(x, dx[i])
	}
	// Exact derivatives: exact coefficients, whatever Diff says. (No
	// ridge: on so little data α = 0.05 would distort the support.)
	m, err := Fit([]Trajectory{{T: ts, X: xs, DX: dx}}, &Settings{Library: Polynomial{Degree: 3}, Diff: Spectral{}, Optimizer: STLSQ{Threshold: 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	if abs, _ := supportAndError(t, m, cubicTrue); abs > 1e-12 {
		t.Errorf("max coefficient error %.3g with exact derivatives", abs)
	}
	if m.Names[0] != "x0" || m.Names[1] != "x1" {
		t.Errorf("default names %v, want x0, x1", m.Names)
	}
}

func TestFitErrors(t *testing.T) {
	good := Trajectory{T: []float64{0, 1, 2, 3}, X: [][]float64{{0}, {1}, {2}, {3}}}
	for _, tc := range []struct {
		name string
		data []Trajectory
		s    *Settings
		want error
	}{
		{"no data", nil, nil, ErrNoData},
		{"short", []Trajectory{{T: []float64{0, 1}, X: [][]float64{{0}, {1}}}}, nil, ErrTooFewSamples},
		{"ragged", []Trajectory{{T: []float64{0, 1, 2}, X: [][]float64{{0}, {1, 2}, {2}}}}, nil, ErrShape},
		{"lengths", []Trajectory{{T: []float64{0, 1, 2}, X: [][]float64{{0}, {1}}}}, nil, ErrShape},
		{"time", []Trajectory{{T: []float64{0, 2, 1}, X: [][]float64{{0}, {1}, {2}}}}, nil, ErrTime},
		{"nan", []Trajectory{{T: []float64{0, 1, 2}, X: [][]float64{{0}, {math.NaN()}, {2}}}}, nil, ErrNonFinite},
		{"dims differ", []Trajectory{good, {T: []float64{0, 1, 2}, X: [][]float64{{0, 1}, {1, 1}, {2, 1}}}}, nil, ErrShape},
		{"names", []Trajectory{good}, &Settings{Names: []string{"a", "b"}}, ErrShape},
		{"bad name", []Trajectory{good}, &Settings{Names: []string{"exp"}}, ErrName},
		{"spectral nonuniform", []Trajectory{{T: []float64{0, 1, 3, 4}, X: [][]float64{{0}, {1}, {2}, {3}}}}, &Settings{Diff: Spectral{}}, ErrNonUniform},
		{"weak too narrow", []Trajectory{good}, &Settings{Weak: &WeakForm{}}, ErrTooFewSamples},
	} {
		if _, err := Fit(tc.data, tc.s); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSystemAllocationFree(t *testing.T) {
	m, err := Fit([]Trajectory{lorenzData()}, &Settings{Names: []string{"x", "y", "z"}})
	if err != nil {
		t.Fatal(err)
	}
	sys := m.System()
	y, dy := []float64{1, 2, 3}, make([]float64, 3)
	if n := testing.AllocsPerRun(100, func() { sys.Func(0, y, dy) }); n != 0 {
		t.Errorf("System.Func allocates %v times per call", n)
	}
	want := []float64{10 * (2 - 1), 1*(28-3) - 2, 1*2 - 8.0/3*3}
	for i := range dy {
		if math.Abs(dy[i]-want[i]) > 0.02*math.Max(1, math.Abs(want[i])) {
			t.Errorf("f_%d = %v, want ≈ %v", i, dy[i], want[i])
		}
	}
}
