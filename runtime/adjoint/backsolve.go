package adjoint

import (
	"fmt"

	"github.com/nodekit/nodekit/runtime/ode"
)

// backsolveSys is the augmented system [z, a, ∂L/∂θ, ∂L/∂t] of Chen et
// al.'s Algorithm 1.
type backsolveSys struct {
	sys   ode.Differentiable
	fv    FuncVJPer
	n, np int
	td    *timeDeriv
	negA  []float64
	nvjp  int
}

func (b *backsolveSys) Dim() int {
	d := 2*b.n + b.np
	if b.td != nil {
		d++
	}
	return d
}

func (b *backsolveSys) Func(t float64, y, dy []float64) {
	n, np := b.n, b.np
	z, a := y[:n], y[n:2*n]
	dz, da, dp := dy[:n], dy[n:2*n], dy[2*n:2*n+np]
	for i, v := range a {
		b.negA[i] = -v
	}
	clear(dp)
	if b.fv != nil {
		b.fv.FuncVJP(t, z, b.negA, dz, da, dp)
	} else {
		b.sys.Func(t, z, dz)
		b.sys.VJP(t, z, b.negA, da, dp)
	}
	b.nvjp++
	if b.td != nil {
		dy[2*n+np] = -b.td.dot(t, z, a)
	}
}

type backsolveState struct {
	aug *backsolveSys
	bwd *intervalSolver
	y   []float64
}

func newBacksolve(w *Workspace, fo ode.Options) (*backsolveState, error) {
	s := &backsolveState{aug: &backsolveSys{sys: w.sys, fv: w.fv, n: w.n, np: w.np, td: w.td, negA: make([]float64, w.n)}}
	var err error
	if s.bwd, err = newIntervalSolver(s.aug, w.adjointOptions(fo, 2*w.n)); err != nil {
		return nil, fmt.Errorf("adjoint: backward solver: %w", err)
	}
	s.y = make([]float64, s.aug.Dim())
	return s, nil
}

func (w *Workspace) backsolve(y0, ts []float64, loss LossFunc, res *Result) error {
	n, np, N := w.n, w.np, len(ts)
	s := w.bs
	if err := w.fwd.Solve(y0, ts, &w.fsol); err != nil {
		return fmt.Errorf("%w: %w", ErrForward, err)
	}
	res.Stats.Forward = w.fsol.Stats
	res.Stats.Checkpoints = N
	Y := w.fsol.Y
	if err := w.losses(N, func(i int) []float64 { return Y[i] }, loss, res); err != nil {
		return err
	}

	aug := s.y
	clear(aug)
	copy(aug[:n], Y[N-1])
	copy(aug[n:2*n], w.g[N-1])
	tg := w.td != nil
	s.aug.nvjp = 0
	s.bwd.start((ts[N-1] - ts[0]) / float64(max(w.fsol.Stats.Accepted, 1)))
	for i := N - 1; i >= 1; i-- {
		if tg {
			d := w.timeJump(ts[i], Y[i], w.g[i], &res.Stats.Backward)
			res.DT[i] = d
			aug[2*n+np] -= d
		}
		y, err := s.bwd.solve(aug, ts[i], ts[i-1], &res.Stats.Backward)
		if err != nil {
			return fmt.Errorf("%w: interval [%g, %g]: %w", ErrBackward, ts[i-1], ts[i], err)
		}
		copy(aug, y)
		// Restart the state from the forward solution (as torchdiffeq
		// does) so backward drift does not accumulate across intervals.
		copy(aug[:n], Y[i-1])
		a := aug[n : 2*n]
		for k, v := range w.g[i-1] {
			a[k] += v
		}
	}
	res.Stats.NVJP = s.aug.nvjp
	copy(res.DY0, aug[n:2*n])
	copy(res.DParams, aug[2*n:2*n+np])
	if tg {
		res.DT[0] = aug[2*n+np]
	}
	return nil
}
