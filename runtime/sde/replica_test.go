package sde

import (
	"sync/atomic"
	"testing"
)

// scratchOU keeps scratch space, so it must not be shared between
// goroutines: busy detects concurrent use, Replica hands out copies.
type scratchOU struct {
	busy     *atomic.Int32 // per replica
	replicas *atomic.Int32 // shared
	shared   *atomic.Bool  // set when two goroutines met in one value
}

func (s *scratchOU) enter() {
	if s.busy.Add(1) != 1 {
		s.shared.Store(true)
	}
}
func (s *scratchOU) Dim() int         { return 1 }
func (s *scratchOU) Noise() NoiseKind { return Diagonal }
func (s *scratchOU) NoiseDim() int    { return 1 }
func (s *scratchOU) Func(_ float64, y, dy []float64) {
	s.enter()
	dy[0] = 0.7 * (1.5 - y[0])
	s.busy.Add(-1)
}
func (s *scratchOU) Diffusion(_ float64, _, g []float64) { g[0] = 0.3 }
func (s *scratchOU) Replica() System {
	s.replicas.Add(1)
	return &scratchOU{busy: new(atomic.Int32), replicas: s.replicas, shared: s.shared}
}

func TestSolvePathsReplicas(t *testing.T) {
	sys := &scratchOU{busy: new(atomic.Int32), replicas: new(atomic.Int32), shared: new(atomic.Bool)}
	ts := []float64{0, 0.5, 1}
	plain := &Func{N: 1, Kind: Diagonal,
		F: func(_ float64, y, dy []float64) { dy[0] = 0.7 * (1.5 - y[0]) },
		G: func(_ float64, _, g []float64) { g[0] = 0.3 },
	}
	ref, err := SolvePaths(plain, []float64{0}, ts, 1000, 3, &Options{Dt: 0.01, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, adaptive := range []bool{false, true} {
		o := &Options{Dt: 0.01, Workers: 4, Method: MethodEuler}
		if adaptive {
			o.Method, o.Adaptive = MethodHeun, true
		}
		e, err := SolvePaths(sys, []float64{0}, ts, 1000, 3, o)
		if err != nil {
			t.Fatal(err)
		}
		if sys.shared.Load() {
			t.Errorf("adaptive=%v: a replica was used by two goroutines at once", adaptive)
		}
		if !adaptive && e.Mean[2][0] != ref.Mean[2][0] {
			t.Errorf("replicated mean %v, plain %v", e.Mean[2][0], ref.Mean[2][0])
		}
	}
	if sys.replicas.Load() < 2 {
		t.Errorf("Replica called %d times", sys.replicas.Load())
	}
}
