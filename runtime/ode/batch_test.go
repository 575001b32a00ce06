package ode

import (
	"math"
	"testing"
)

// decay is y' = −k·y with a per-instance scratch buffer, so it needs Clone
// to be used from several goroutines.
type decay struct {
	k       float64
	scratch []float64
}

func (d *decay) Dim() int { return 1 }
func (d *decay) Func(_ float64, y, dy []float64) {
	d.scratch[0] = -d.k * y[0]
	dy[0] = d.scratch[0]
}
func (d *decay) Clone() System { return &decay{k: d.k, scratch: make([]float64, 1)} }

func TestSolveBatchOwnTimes(t *testing.T) {
	const nb = 50
	y0s := make([][]float64, nb)
	ts := make([][]float64, nb)
	for i := range y0s {
		y0s[i] = []float64{float64(i + 1)}
		// irregular grids of different lengths
		g := []float64{0}
		for j := 1; j <= 3+i%5; j++ {
			g = append(g, g[j-1]+0.1*float64(1+(i*j)%7))
		}
		ts[i] = g
	}
	sys := &decay{k: 0.7, scratch: make([]float64, 1)}
	sols, err := SolveBatch(sys, y0s, ts, &Options{RTol: 1e-10, ATol: 1e-12}, &BatchOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i, sol := range sols {
		if len(sol.T) != len(ts[i]) {
			t.Fatalf("trajectory %d: %d saves, want %d", i, len(sol.T), len(ts[i]))
		}
		for j, tj := range sol.T {
			want := y0s[i][0] * math.Exp(-0.7*tj)
			if math.Abs(sol.Y[j][0]-want) > 1e-9*want {
				t.Errorf("trajectory %d: y(%g) = %g, want %g", i, tj, sol.Y[j][0], want)
			}
		}
	}
	// a failing trajectory is named
	y0s[7] = []float64{math.NaN()}
	if _, err := SolveBatch(sys, y0s, ts, nil, nil); err == nil {
		t.Error("NaN initial state in trajectory 7: no error")
	}
}

func TestStackedSharesSteps(t *testing.T) {
	st := &Stacked{Sys: lorenz{}, Batch: 3}
	y0 := []float64{1, 1, 1, 2, 2, 2, -1, 3, 10}
	sol, err := Solve(st, y0, []float64{0, 1}, &Options{RTol: 1e-10, ATol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 3; b++ {
		one, err := Solve(lorenz{}, y0[3*b:3*b+3], []float64{0, 1}, &Options{RTol: 1e-10, ATol: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(one.Y[1], sol.Y[1][3*b:3*b+3]); d > 1e-7 {
			t.Errorf("copy %d differs from its own solve by %g", b, d)
		}
	}
}
