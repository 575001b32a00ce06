package adjoint

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/ode"
)

// checkpointSys is the adjoint system [a, ∂L/∂θ, ∂L/∂t] with z(t) taken
// from the dense output of the current segment's forward re-solve.
type checkpointSys struct {
	sys   ode.Differentiable
	n, np int
	td    *timeDeriv
	// z(t) is seg's dense output at t, clamped to [lo, hi]
	seg    *ode.Solution
	lo, hi float64
	z      []float64
	negA   []float64
	nvjp   int
}

func (c *checkpointSys) Dim() int {
	d := c.n + c.np
	if c.td != nil {
		d++
	}
	return d
}

func (c *checkpointSys) Func(t float64, y, dy []float64) {
	n, np := c.n, c.np
	// Stage times stay inside the segment up to rounding; clamp so the
	// dense output is never asked to extrapolate.
	tc := math.Min(math.Max(t, c.lo), c.hi)
	_ = c.seg.Eval(tc, c.z)
	a := y[:n]
	for i, v := range a {
		c.negA[i] = -v
	}
	dp := dy[n : n+np]
	clear(dp)
	c.sys.VJP(t, c.z, c.negA, dy[:n], dp)
	c.nvjp++
	if c.td != nil {
		dy[n+np] = -c.td.dot(t, c.z, a)
	}
}

type checkpointState struct {
	adj *checkpointSys
	// dense is the forward solver with dense output (Checkpoints = 0);
	// seg re-solves segments (Checkpoints > 0).
	dense  *ode.Solver
	seg    *intervalSolver
	segSol ode.Solution
	bwd    *intervalSolver
	grid   []float64 // observation times and checkpoints, in order
	obs    []int     // grid index of each observation
	y      []float64
}

func newCheckpoint(w *Workspace, fo ode.Options) (*checkpointState, error) {
	s := &checkpointState{}
	s.adj = &checkpointSys{sys: w.sys, n: w.n, np: w.np, td: w.td, seg: &s.segSol,
		z: make([]float64, w.n), negA: make([]float64, w.n)}
	so := fo
	so.Dense = true
	var err error
	if w.opts.Checkpoints == 0 {
		s.dense, err = ode.NewSolver(w.sys, &so)
	} else {
		s.seg, err = newIntervalSolver(w.sys, &so)
		s.adj.seg = &s.seg.sol
	}
	if err != nil {
		return nil, err
	}
	if s.bwd, err = newIntervalSolver(s.adj, w.adjointOptions(fo, w.n)); err != nil {
		return nil, fmt.Errorf("adjoint: backward solver: %w", err)
	}
	s.y = make([]float64, s.adj.Dim())
	return s, nil
}

// buildGrid merges ts with k evenly spaced interior checkpoints.
func (s *checkpointState) buildGrid(ts []float64, k int) {
	t0, t1 := ts[0], ts[len(ts)-1]
	dir := 1.0
	if t1 < t0 {
		dir = -1
	}
	tol := 1e-9 * math.Abs(t1-t0)
	s.grid = s.grid[:0]
	s.obs = s.obs[:0]
	j := 1 // next checkpoint
	cp := func(j int) float64 { return t0 + (t1-t0)*float64(j)/float64(k+1) }
	for i, t := range ts {
		for ; j <= k && (t-cp(j))*dir > tol; j++ {
			c := cp(j)
			if i > 0 && (c-ts[i-1])*dir <= tol {
				continue
			}
			s.grid = append(s.grid, c)
		}
		s.obs = append(s.obs, len(s.grid))
		s.grid = append(s.grid, t)
	}
}

func (w *Workspace) checkpoint(y0, ts []float64, loss LossFunc, res *Result) error {
	s := w.cp
	if _, err := checkTimes(ts); err != nil {
		return fmt.Errorf("%w: %w", ErrForward, err)
	}
	if s.dense != nil {
		return w.interpolating(y0, ts, loss, res)
	}
	n, np, N := w.n, w.np, len(ts)
	s.buildGrid(ts, w.opts.Checkpoints)
	G := s.grid
	if err := w.fwd.Solve(y0, G, &w.fsol); err != nil {
		return fmt.Errorf("%w: %w", ErrForward, err)
	}
	res.Stats.Forward = w.fsol.Stats
	res.Stats.Checkpoints = len(G)
	Y := w.fsol.Y
	if err := w.losses(N, func(i int) []float64 { return Y[s.obs[i]] }, loss, res); err != nil {
		return err
	}

	adj := s.y
	clear(adj)
	copy(adj[:n], w.g[N-1])
	tg := w.td != nil
	if tg {
		d := w.timeJump(ts[N-1], Y[len(G)-1], w.g[N-1], &res.Stats.Backward)
		res.DT[N-1] = d
		adj[n+np] -= d
	}
	s.adj.nvjp = 0
	s.bwd.start((G[len(G)-1] - G[0]) / float64(max(w.fsol.Stats.Accepted, 1)))
	s.seg.start((G[len(G)-1] - G[0]) / float64(max(w.fsol.Stats.Accepted, 1)))
	k := N - 1 // the last observation reached on the way back
	for j := len(G) - 1; j >= 1; j-- {
		if _, err := s.seg.solve(Y[j-1], G[j-1], G[j], &res.Stats.Backward); err != nil {
			return fmt.Errorf("%w: re-solving [%g, %g]: %w", ErrBackward, G[j-1], G[j], err)
		}
		s.adj.lo, s.adj.hi = s.seg.timeMap()
		y, err := s.bwd.solve(adj, G[j], G[j-1], &res.Stats.Backward)
		if err != nil {
			return fmt.Errorf("%w: interval [%g, %g]: %w", ErrBackward, G[j-1], G[j], err)
		}
		copy(adj, y)
		if s.obs[k-1] == j-1 {
			k--
			a := adj[:n]
			for i, v := range w.g[k] {
				a[i] += v
			}
			if tg && k > 0 {
				d := w.timeJump(ts[k], Y[j-1], w.g[k], &res.Stats.Backward)
				res.DT[k] = d
				adj[n+np] -= d
			}
		}
	}
	res.Stats.NVJP = s.adj.nvjp
	copy(res.DY0, adj[:n])
	copy(res.DParams, adj[n:n+np])
	if tg {
		res.DT[0] = adj[n+np]
	}
	return nil
}

// interpolating is the checkpoint method without checkpoints: the
// forward solve keeps its dense output, and the backward pass takes z(t)
// from it, recomputing nothing.
func (w *Workspace) interpolating(y0, ts []float64, loss LossFunc, res *Result) error {
	n, np, N := w.n, w.np, len(ts)
	s := w.cp
	if err := s.dense.Solve(y0, ts, &s.segSol); err != nil {
		return fmt.Errorf("%w: %w", ErrForward, err)
	}
	res.Stats.Forward = s.segSol.Stats
	res.Stats.Checkpoints = s.segSol.Stats.Accepted
	Y := s.segSol.Y
	if err := w.losses(N, func(i int) []float64 { return Y[i] }, loss, res); err != nil {
		return err
	}

	adj := s.y
	clear(adj)
	copy(adj[:n], w.g[N-1])
	tg := w.td != nil
	s.adj.nvjp = 0
	s.bwd.start((ts[N-1] - ts[0]) / float64(max(s.segSol.Stats.Accepted, 1)))
	for i := N - 1; i >= 1; i-- {
		if tg {
			d := w.timeJump(ts[i], Y[i], w.g[i], &res.Stats.Backward)
			res.DT[i] = d
			adj[n+np] -= d
		}
		s.adj.lo, s.adj.hi = math.Min(ts[i-1], ts[i]), math.Max(ts[i-1], ts[i])
		y, err := s.bwd.solve(adj, ts[i], ts[i-1], &res.Stats.Backward)
		if err != nil {
			return fmt.Errorf("%w: interval [%g, %g]: %w", ErrBackward, ts[i-1], ts[i], err)
		}
		copy(adj, y)
		a := adj[:n]
		for k, v := range w.g[i-1] {
			a[k] += v
		}
	}
	res.Stats.NVJP = s.adj.nvjp
	copy(res.DY0, adj[:n])
	copy(res.DParams, adj[n:n+np])
	if tg {
		res.DT[0] = adj[n+np]
	}
	return nil
}

func checkTimes(ts []float64) (dir float64, err error) {
	for i, t := range ts {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0, fmt.Errorf("adjoint: ts[%d] = %g is not finite", i, t)
		}
	}
	dir = 1
	if ts[len(ts)-1] < ts[0] {
		dir = -1
	}
	for i := 1; i < len(ts); i++ {
		if (ts[i]-ts[i-1])*dir <= 0 {
			return 0, fmt.Errorf("adjoint: ts must be strictly monotonic: ts[%d] = %g after ts[%d] = %g", i, ts[i], i-1, ts[i-1])
		}
	}
	return dir, nil
}
