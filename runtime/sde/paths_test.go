package sde

import (
	"errors"
	"math"
	"sort"
	"testing"
)

func TestSolvePathsBatchMatchesPerPath(t *testing.T) {
	y0 := []float64{1, 2, 20}
	ts := []float64{0, 0.1, 0.25, 0.5}
	for _, method := range []string{MethodEuler, MethodSRIW1} {
		opts := &Options{Method: method, Dt: 1e-3, KeepPaths: true}
		a, err := SolvePaths(newLorenz(), y0, ts, 300, 42, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := SolvePaths(plainLorenz{newLorenz()}, y0, ts, 300, 42, opts)
		if err != nil {
			t.Fatal(err)
		}
		for j := range a.Y {
			if d := math.Abs(a.Y[j] - b.Y[j]); d > 1e-9*math.Max(1, math.Abs(b.Y[j])) {
				t.Fatalf("%s: batched and per-path solves differ at %d: %g vs %g", method, j, a.Y[j], b.Y[j])
			}
		}
		if a.Stats.NFE != b.Stats.NFE || a.Stats.NDiff != b.Stats.NDiff {
			t.Errorf("%s: work counts differ: %+v vs %+v", method, a.Stats, b.Stats)
		}
	}
}

func TestSolvePathsDeterministic(t *testing.T) {
	y0 := []float64{1, 2, 20}
	ts := []float64{0, 0.05, 0.2}
	for _, opts := range []Options{
		{Method: MethodEuler, Dt: 1e-3, KeepPaths: true},
		{Method: MethodReversibleHeun, Dt: 1e-3, KeepPaths: true},
		{Method: MethodHeun, Adaptive: true, RTol: 1e-3, ATol: 1e-3, KeepPaths: true},
	} {
		var ref *Ensemble
		for _, w := range []int{1, 2, 3} {
			o := opts
			o.Workers = w
			e, err := SolvePaths(plainLorenz{newLorenz()}, y0, ts, 300, 7, &o)
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = e
				continue
			}
			for j := range e.Y {
				if e.Y[j] != ref.Y[j] {
					t.Fatalf("%s: result depends on the number of workers", opts.Method)
				}
			}
		}
		// A path of the ensemble is a genuine path: paths differ.
		if ref.At(2, 0)[0] == ref.At(2, 1)[0] {
			t.Errorf("%s: paths 0 and 1 coincide", opts.Method)
		}
	}
}

// TestSolvePathsStatistics compares the ensemble mean and quantiles of GBM
// with the exact lognormal law.
func TestSolvePathsStatistics(t *testing.T) {
	const mu, sig, x0, paths = 0.5, 0.4, 1.0, 20000
	sys := gbm([]float64{mu}, []float64{sig}, true)
	ts := []float64{0, 0.5, 1}
	for _, method := range []string{MethodEuler, MethodMilstein, MethodSRIW1} {
		e, err := SolvePaths(sys, []float64{x0}, ts, paths, 3, &Options{Method: method, Dt: 1.0 / 256, KeepPaths: true})
		if err != nil {
			t.Fatal(err)
		}
		for k, tt := range ts[1:] {
			k++
			mean := x0 * math.Exp(mu*tt)
			sd := mean * math.Sqrt(math.Exp(sig*sig*tt)-1)
			if d := math.Abs(e.Mean[k][0] - mean); d > 5*sd/math.Sqrt(paths)+0.01*mean*tt {
				t.Errorf("%s t=%g: mean %g, want %g", method, tt, e.Mean[k][0], mean)
			}
			for _, q := range []struct {
				p   float64
				z   float64
				got float64
			}{{0.05, -1.6448536269514722, e.Q05[k][0]}, {0.5, 0, e.Q50[k][0]}, {0.95, 1.6448536269514722, e.Q95[k][0]}} {
				want := x0 * math.Exp((mu-sig*sig/2)*tt+sig*math.Sqrt(tt)*q.z)
				// Standard error of a sample quantile: √(p(1−p)/n)/density.
				dens := math.Exp(-q.z*q.z/2) / math.Sqrt(2*math.Pi) / (want * sig * math.Sqrt(tt))
				se := math.Sqrt(q.p*(1-q.p)/paths) / dens
				if math.Abs(q.got-want) > 5*se+0.01*want*tt {
					t.Errorf("%s t=%g: %g-quantile %g, want %g (se %g)", method, tt, q.p, q.got, want, se)
				}
			}
			// Quantiles agree with the kept paths.
			col := make([]float64, paths)
			for p := range col {
				col[p] = e.At(k, p)[0]
			}
			sort.Float64s(col)
			if q := col[paths/2-1] + 0.5*(col[paths/2]-col[paths/2-1]); math.Abs(q-e.Q50[k][0]) > 1e-12 {
				t.Errorf("%s: median %g, kept paths give %g", method, e.Q50[k][0], q)
			}
		}
	}
}

func TestSolvePathsErrors(t *testing.T) {
	blow := &Func{N: 1, Kind: Diagonal,
		F: func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] },
		G: func(_ float64, y, g []float64) { g[0] = 0.1 },
	}
	_, err := SolvePaths(blow, []float64{10}, []float64{0, 1}, 200, 1, &Options{Dt: 0.01})
	var se *SolveError
	if !errors.Is(err, ErrNonFinite) || !errors.As(err, &se) || se.T <= 0 || math.Abs(se.H-0.01) > 1e-12 {
		t.Errorf("blow-up: got %v", err)
	}
	if _, err := SolvePaths(blow, []float64{1}, []float64{0, 1}, 0, 1, nil); !errors.Is(err, ErrPaths) {
		t.Errorf("zero paths: got %v", err)
	}
	if _, err := SolvePaths(blow, []float64{1}, []float64{0, 1}, 10, 1, &Options{Dt: 1e-3, MaxSteps: 10}); !errors.Is(err, ErrMaxSteps) {
		t.Errorf("max steps: got %v", err)
	}
}

// BenchmarkLorenzPaths: 10⁴ paths of the stochastic Lorenz system (σ=10,
// ρ=28, β=8/3, diagonal multiplicative noise g_i = 0.1·y_i), dt = 1e-2 on
// [0, 1], saving only the end point; reports path-steps per second.
func BenchmarkLorenzPaths(b *testing.B) {
	const paths, dt = 10000, 1e-2
	y0 := []float64{1, 1, 1}
	for _, c := range []struct {
		name   string
		sys    System
		method string
	}{
		{"euler/batch", newLorenz(), MethodEuler},
		{"euler/perpath", plainLorenz{newLorenz()}, MethodEuler},
		{"sriw1/batch", newLorenz(), MethodSRIW1},
		{"sriw1/perpath", plainLorenz{newLorenz()}, MethodSRIW1},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts := &Options{Method: c.method, Dt: dt}
			for i := 0; i < b.N; i++ {
				if _, err := SolvePaths(c.sys, y0, []float64{0, 1}, paths, uint64(i), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(paths)*100*float64(b.N)/b.Elapsed().Seconds(), "path-steps/s")
		})
	}
	// With 101 save times, mean and quantiles at each (the DSL's sim).
	b.Run("euler/batch/save101", func(b *testing.B) {
		ts := make([]float64, 101)
		for i := range ts {
			ts[i] = float64(i) / 100
		}
		opts := &Options{Method: MethodEuler, Dt: dt}
		for i := 0; i < b.N; i++ {
			if _, err := SolvePaths(newLorenz(), y0, ts, paths, uint64(i), opts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(paths)*100*float64(b.N)/b.Elapsed().Seconds(), "path-steps/s")
	})
}
