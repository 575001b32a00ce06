package ode

import (
	"fmt"
	"runtime"
	"sync"
)

// Cloner is implemented by systems that keep per-call scratch state (a
// neural network's activations, an interpreter's registers) and so cannot
// be shared between goroutines: Clone returns an independent copy with
// the same parameter values (whether it shares their storage is the
// system's choice, so clone again after changing parameters). SolveBatch
// clones at every call to run trajectories in parallel; a system without
// Clone is solved on one goroutine.
type Cloner interface {
	Clone() System
}

// BatchOptions configure SolveBatch.
type BatchOptions struct {
	// Workers bounds the goroutines; zero means GOMAXPROCS. Systems that do
	// not implement Cloner always use one.
	Workers int
}

// SolveBatch solves len(y0s) independent initial-value problems of sys,
// trajectory i from y0s[i] over its own save times ts[i] (so irregularly
// sampled series each keep their own grid). With a single ts (len(ts) == 1)
// every trajectory uses it. Each trajectory has its own step-size control.
// The returned error, if any, names the first trajectory that failed;
// sols[i] is nil for trajectories that failed or were not run.
func SolveBatch(sys System, y0s, ts [][]float64, opts *Options, bopts *BatchOptions) ([]*Solution, error) {
	nb := len(y0s)
	if len(ts) != 1 && len(ts) != nb {
		return nil, fmt.Errorf("ode: SolveBatch: %d time grids for %d trajectories (give 1 or %d)", len(ts), nb, nb)
	}
	workers := runtime.GOMAXPROCS(0)
	if bopts != nil && bopts.Workers > 0 {
		workers = bopts.Workers
	}
	cl, canClone := sys.(Cloner)
	if !canClone {
		workers = 1
	}
	workers = min(workers, nb)
	sols := make([]*Solution, nb)
	errs := make([]error, nb)
	var wg sync.WaitGroup
	next := make(chan int)
	var setupErr error
	var once sync.Once
	for w := 0; w < workers; w++ {
		wsys := sys
		if canClone && w > 0 {
			wsys = cl.Clone()
		}
		s, err := NewSolver(wsys, opts)
		if err != nil {
			once.Do(func() { setupErr = err })
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				grid := ts[0]
				if len(ts) == nb {
					grid = ts[i]
				}
				sol := new(Solution)
				if err := s.Solve(y0s[i], grid, sol); err != nil {
					errs[i] = err
					continue
				}
				sols[i] = sol
			}
		}()
	}
	if setupErr == nil {
		for i := 0; i < nb; i++ {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	if setupErr != nil {
		return nil, setupErr
	}
	for i, err := range errs {
		if err != nil {
			return sols, fmt.Errorf("ode: SolveBatch: trajectory %d: %w", i, err)
		}
	}
	return sols, nil
}

// BatchSystem evaluates f for many states at once: Y and dY hold batch
// states of Dim() values each, row after row. Neural systems implement it
// with one matrix–matrix product per layer instead of batch
// matrix–vector products.
type BatchSystem interface {
	System
	FuncBatch(t float64, Y, dY []float64, batch int)
}

// Stacked presents Batch copies of Sys as one system of dimension
// Batch·Sys.Dim() — the shape torchdiffeq gives a minibatch: every
// trajectory shares the steps, and the error norm covers all of them.
// When Sys implements BatchSystem it is called once per evaluation.
type Stacked struct {
	Sys   System
	Batch int
}

// Dim returns Batch·Sys.Dim().
func (s *Stacked) Dim() int { return s.Batch * s.Sys.Dim() }

// Func evaluates every copy.
func (s *Stacked) Func(t float64, y, dy []float64) {
	if bs, ok := s.Sys.(BatchSystem); ok {
		bs.FuncBatch(t, y, dy, s.Batch)
		return
	}
	n := s.Sys.Dim()
	for b := 0; b < s.Batch; b++ {
		s.Sys.Func(t, y[b*n:(b+1)*n], dy[b*n:(b+1)*n])
	}
}
