package sde

import (
	"errors"
	"math"
	"runtime"
	"testing"
)

// nilReplica hands out no replica at all.
type nilReplica struct{ lorenz }

func (*nilReplica) Replica() System { return nil }

// typedNilReplica hands out a nil pointer of its own type.
type typedNilReplica struct{ lorenz }

func (*typedNilReplica) Replica() System { return (*typedNilReplica)(nil) }

// shapeReplica hands out a system of another dimension.
type shapeReplica struct{ lorenz }

func (*shapeReplica) Replica() System { return gbm([]float64{0.1}, []float64{0.2}, false) }

// TestSolvePathsBadReplica: a Replicator that returns nil or a system of
// another shape is reported as an error before any goroutine starts,
// instead of crashing the process from a worker goroutine.
func TestSolvePathsBadReplica(t *testing.T) {
	for _, sys := range []System{&nilReplica{*newLorenz()}, &typedNilReplica{*newLorenz()}, &shapeReplica{*newLorenz()}} {
		for _, o := range []*Options{
			{Dt: 0.01, Workers: 2},
			{Dt: 0.01, Workers: 2, Method: MethodHeun, Adaptive: true},
		} {
			e, err := SolvePaths(sys, []float64{1, 1, 1}, []float64{0, 0.1}, 10, 3, o)
			if !errors.Is(err, ErrReplica) || e != nil {
				t.Errorf("%T adaptive=%v: got (%v, %v), want ErrReplica", sys, o.Adaptive, e, err)
			}
		}
	}
}

// TestAdaptiveRespectsTreeResolution: below its tolerance a BrownianTree
// is the smooth conditional mean, not a Brownian path, so step doubling
// there measures nothing about the SDE's error. A tolerance that needs
// steps below the tree's resolution must fail with ErrStepSizeTooSmall,
// not report success on a path with the small-scale noise missing.
func TestAdaptiveRespectsTreeResolution(t *testing.T) {
	sys := gbm([]float64{0.1}, []float64{0.8}, false)
	for _, method := range []string{MethodSRIW1, MethodMilstein, MethodHeun} {
		tree := NewBrownianTree(0, 1, 1, 5, 1.0/(1<<12))
		sol, err := Solve(sys, []float64{1}, []float64{0, 1}, tree, &Options{Method: method, Adaptive: true, RTol: 1e-10, ATol: 1e-12})
		if !errors.Is(err, ErrStepSizeTooSmall) {
			t.Errorf("%s: err = %v (stats %+v), want ErrStepSizeTooSmall", method, err, sol.Stats)
			continue
		}
		var se *SolveError
		if !errors.As(err, &se) || se.H < tree.Tol()*(1-1e-12) || math.IsNaN(se.T) {
			t.Errorf("%s: %v: want the failing step (h ≥ tol %g) and its time", method, err, tree.Tol())
		}
	}
	// A tolerance the tree resolves is still met.
	tree := NewBrownianTree(0, 1, 1, 5, 1.0/(1<<12))
	if _, err := Solve(sys, []float64{1}, []float64{0, 1}, tree, &Options{Method: MethodSRIW1, Adaptive: true, RTol: 1e-3}); err != nil {
		t.Errorf("rtol 1e-3 on a tree of tol 2^-12: %v", err)
	}
}

// TestSolvePathsTooLarge: a request whose results cannot be indexed is a
// clear error, not a runtime panic from make.
func TestSolvePathsTooLarge(t *testing.T) {
	sys := gbm([]float64{0.1}, []float64{0.2}, false)
	ts := make([]float64, 1<<20)
	for i := range ts {
		ts[i] = float64(i)
	}
	_, err := SolvePaths(sys, []float64{1}, ts, math.MaxInt/(1<<18), 1, &Options{Dt: 1})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

// TestSolvePathsOddCounts: one path, and counts that are not a multiple
// of ChunkPaths, give the same statistics on any number of workers, and
// for one path every quantile is that path.
func TestSolvePathsOddCounts(t *testing.T) {
	sys := gbm([]float64{0.1}, []float64{0.3}, false)
	ts := []float64{0, 0.5, 1}
	for _, adaptive := range []bool{false, true} {
		for _, paths := range []int{1, 2, ChunkPaths - 1, ChunkPaths + 1, 3*ChunkPaths + 5} {
			var ref *Ensemble
			for _, w := range []int{1, 4} {
				o := &Options{Dt: 0.01, Workers: w, KeepPaths: true}
				if adaptive {
					o.Method, o.Adaptive = MethodHeun, true
				}
				e, err := SolvePaths(sys, []float64{1}, ts, paths, 9, o)
				if err != nil {
					t.Fatal(err)
				}
				if e.Q05[2][0] > e.Q50[2][0] || e.Q50[2][0] > e.Q95[2][0] {
					t.Errorf("paths %d: quantiles out of order %v %v %v", paths, e.Q05[2][0], e.Q50[2][0], e.Q95[2][0])
				}
				if paths == 1 {
					y := e.At(2, 0)[0]
					if e.Mean[2][0] != y || e.Q05[2][0] != y || e.Q95[2][0] != y {
						t.Errorf("one path %v: mean %v, quantiles %v %v", y, e.Mean[2][0], e.Q05[2][0], e.Q95[2][0])
					}
				}
				if ref == nil {
					ref = e
					continue
				}
				if e.Mean[2][0] != ref.Mean[2][0] || e.Q05[2][0] != ref.Q05[2][0] || e.Q95[2][0] != ref.Q95[2][0] {
					t.Errorf("adaptive=%v paths %d: statistics depend on the number of workers", adaptive, paths)
				}
			}
		}
	}
}

// TestSolvePathsErrorDeterministic: when several paths blow up, the error
// names the same path whatever the number of workers.
func TestSolvePathsErrorDeterministic(t *testing.T) {
	sys := &Func{N: 1, Kind: Diagonal,
		F: func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] * y[0] },
		G: func(_ float64, _, g []float64) { g[0] = 1 },
	}
	for _, adaptive := range []bool{false, true} {
		want := ""
		for _, w := range []int{1, 2, 3, 5} {
			o := &Options{Dt: 0.01, Workers: w}
			if adaptive {
				o.Method, o.Adaptive = MethodHeun, true
			}
			_, err := SolvePaths(sys, []float64{0.5}, []float64{0, 3}, 600, 4, o)
			var se *SolveError
			if !errors.As(err, &se) {
				t.Fatalf("adaptive=%v: err = %v, want a *SolveError", adaptive, err)
			}
			if want == "" {
				want = err.Error()
			} else if err.Error() != want {
				t.Errorf("adaptive=%v workers %d: %v, with one worker %v", adaptive, w, err, want)
			}
		}
	}
}

// TestGradientsCheckTheGrid: the gradient routines refuse a BrownianGrid
// their steps or save times do not fall on, as Solve does, instead of
// panicking inside the grid; Gradient refuses a nil path.
func TestGradientsCheckTheGrid(t *testing.T) {
	sys := &gbmS{n: 1, p: []float64{0.1, 0.2}}
	yT, gy0, gp := make([]float64, 1), make([]float64, 1), make([]float64, 2)
	lossGrad := func(_, aT []float64) { aT[0] = 1 }
	dLdy := func(_ int, _, a []float64) { a[0] = 1 }
	grid := NewBrownianGrid(0, 0.03, 40, 1, 1, false)
	for _, c := range []struct {
		name string
		run  func() error
		want error
	}{
		{"Gradient nil path", func() error {
			return Gradient(sys, MethodReversibleHeun, []float64{1}, 0, 1, 0.01, nil, lossGrad, yT, gy0, gp)
		}, ErrPathSpan},
		{"Gradient step off the grid", func() error {
			return Gradient(sys, MethodReversibleHeun, []float64{1}, 0, 0.9, 0.01, grid, lossGrad, yT, gy0, gp)
		}, ErrGridMismatch},
		{"Gradient end off the grid", func() error {
			return Gradient(sys, MethodEuler, []float64{1}, 0, 1, 0.03, grid, lossGrad, yT, gy0, gp)
		}, ErrGridMismatch},
		{"AdjointGradient step off the grid", func() error {
			return AdjointGradient(sys, []float64{1}, []float64{0, 0.6, 0.9}, grid, dLdy, gy0, gp, &AdjointOptions{Dt: 0.01})
		}, ErrGridMismatch},
		{"AdjointGradient save time off the grid", func() error {
			return AdjointGradient(sys, []float64{1}, []float64{0, 0.5, 0.9}, grid, dLdy, gy0, gp, &AdjointOptions{Dt: 0.03})
		}, ErrGridMismatch},
		{"DiscreteGradient step off the grid", func() error {
			return DiscreteGradient(sys, []float64{1}, []float64{0, 0.6, 0.9}, grid, dLdy, gy0, gp, &AdjointOptions{Dt: 0.01, Method: MethodHeun})
		}, ErrGridMismatch},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", c.name, r)
				}
			}()
			if err := c.run(); !errors.Is(err, c.want) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			}
		}()
	}
	// On the grid, the three agree with their tree-path behaviour: no error.
	if err := Gradient(sys, MethodReversibleHeun, []float64{1}, 0, 0.9, 0.03, grid, lossGrad, yT, gy0, gp); err != nil {
		t.Errorf("Gradient on the grid: %v", err)
	}
	if err := AdjointGradient(sys, []float64{1}, []float64{0, 0.6, 0.9}, grid, dLdy, gy0, gp, &AdjointOptions{Dt: 0.06}); err != nil {
		t.Errorf("AdjointGradient on the grid: %v", err)
	}
}

// TestAdaptiveTightToleranceFailsFast: with no path given, a tolerance no
// order-1 method can meet used to run all DefaultMaxSteps attempts (about
// 10⁶ step-doubling triples) before failing; it now stops when the steps
// reach the default tree's resolution, a few thousand attempts in.
func TestAdaptiveTightToleranceFailsFast(t *testing.T) {
	sys := gbm([]float64{0.1}, []float64{0.2}, false)
	for _, method := range []string{MethodHeun, MethodMilstein, MethodMidpoint} {
		sol, err := Solve(sys, []float64{1}, []float64{0, 1}, nil, &Options{Method: method, Adaptive: true, RTol: 1e-12, ATol: 1e-14})
		if !errors.Is(err, ErrStepSizeTooSmall) {
			t.Errorf("%s: err = %v, want ErrStepSizeTooSmall", method, err)
			continue
		}
		if n := sol.Stats.Accepted + sol.Stats.Rejected; n > 100000 {
			t.Errorf("%s: %d attempts before giving up", method, n)
		}
	}
}

// TestKeepPathsMemory: with KeepPaths the paths are the only full-size
// copy of the results (they used to be held twice, once per layout).
func TestKeepPathsMemory(t *testing.T) {
	sys := gbm([]float64{0.1}, []float64{0.2}, false)
	const K, paths = 200, 4096
	ts := make([]float64, K)
	for i := range ts {
		ts[i] = float64(i) / K
	}
	for _, adaptive := range []bool{false, true} {
		o := &Options{Dt: 1.0 / K, KeepPaths: true, Workers: 2}
		if adaptive {
			o.Method, o.Adaptive = MethodHeun, true
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e, err := SolvePaths(sys, []float64{1}, ts, paths, 3, o)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		results := 8 * K * paths
		if got := int(after.TotalAlloc - before.TotalAlloc); got > results*3/2 {
			t.Errorf("adaptive=%v: SolvePaths allocated %d bytes for %d bytes of paths", adaptive, got, results)
		}
		// The statistics are those of the kept paths.
		col := make([]float64, paths)
		for p := range col {
			col[p] = e.At(K-1, p)[0]
		}
		var q [3]float64
		quantiles(col, []float64{0.05, 0.5, 0.95}, q[:])
		if q[0] != e.Q05[K-1][0] || q[1] != e.Q50[K-1][0] || q[2] != e.Q95[K-1][0] {
			t.Errorf("adaptive=%v: quantiles %v, of the kept paths %v", adaptive, []float64{e.Q05[K-1][0], e.Q50[K-1][0], e.Q95[K-1][0]}, q)
		}
	}
}

// TestSolverReusesItsTree: a Solver given no path rebuilds its tree in
// place for every solve: no allocation, and no stale cached points from
// the previous span leak into the next solve.
func TestSolverReusesItsTree(t *testing.T) {
	sys := gbm([]float64{0.1}, []float64{0.5}, false)
	s, err := NewSolver(sys, &Options{Method: MethodMilstein, Dt: 1e-2, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	sol := new(Solution)
	for _, ts := range [][]float64{{0, 1}, {0, 0.5, 2}, {0, 1}, {0.5, 1}} {
		if err := s.Solve([]float64{1}, ts, nil, sol); err != nil {
			t.Fatal(err)
		}
		fresh, err := Solve(sys, []float64{1}, ts, nil, &Options{Method: MethodMilstein, Dt: 1e-2, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		for k := range ts {
			if sol.Y[k][0] != fresh.Y[k][0] {
				t.Errorf("ts %v: reused solver gives %v at %g, a fresh one %v", ts, sol.Y[k][0], ts[k], fresh.Y[k][0])
			}
		}
	}
	ts := []float64{0, 0.5, 1}
	if a := testing.AllocsPerRun(3, func() {
		if err := s.Solve([]float64{1}, ts, nil, sol); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per solve without a path, want 0", a)
	}
}
