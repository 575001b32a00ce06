package sde

import (
	"fmt"
	"math"
)

// Stats counts the work a solve did.
type Stats struct {
	NFE      int // drift evaluations
	NDiff    int // diffusion evaluations
	Accepted int
	Rejected int
}

// Solution holds the state at each save time.
type Solution struct {
	T     []float64
	Y     [][]float64
	Stats Stats
}

// Solve integrates sys along the Brownian path bm from ts[0] and returns the
// state at every time in ts (strictly increasing, at least two). A nil bm
// means a BrownianTree on [ts[0], ts[end]] with seed opts.Seed. Whether the
// SDE is Itô or Stratonovich is the method's (MethodInfo.Calculus).
//
// A solve that fails (non-finite state, too many steps, step underflow)
// returns the Solution with the states saved so far (later rows are zero)
// and a *SolveError that names the method, t and h.
func Solve(sys System, y0, ts []float64, bm BrownianPath, opts *Options) (*Solution, error) {
	s, err := NewSolver(sys, opts)
	if err != nil {
		return nil, err
	}
	sol := new(Solution)
	return sol, s.Solve(y0, ts, bm, sol)
}

// Solver holds the workspace of one system and one set of options, so that
// repeated solves (one per path) allocate nothing once the Solution has its
// buffers. It is not safe for concurrent use.
type Solver struct {
	p    *problem
	o    Options
	info MethodInfo
	st   stepper

	y, ynew, yhalf, y2 []float64
	dw, hh, dw2, hh2   []float64
	tree               *BrownianTree
}

// NewSolver validates the options against sys.
func NewSolver(sys System, opts *Options) (*Solver, error) {
	o := opts.orDefault()
	info, err := Lookup(o.Method)
	if err != nil {
		return nil, err
	}
	n, m := sys.Dim(), sys.NoiseDim()
	if n < 1 || m < 1 {
		return nil, fmt.Errorf("%w: Dim %d, NoiseDim %d", ErrDim, n, m)
	}
	k := sys.Noise()
	if (k == Diagonal && m != n) || (k == Scalar && m != 1) {
		return nil, fmt.Errorf("%w: %v noise with Dim %d needs NoiseDim %d, got %d", ErrDim, k, n, map[bool]int{true: n, false: 1}[k == Diagonal], m)
	}
	if !info.Supports(k) {
		return nil, fmt.Errorf("%w: %s with %v noise (supported: %v)", ErrNoiseKind, info.Name, k, info.Noise)
	}
	if o.Adaptive && !info.Adaptive {
		return nil, fmt.Errorf("%w: %s", ErrNotAdaptive, info.Name)
	}
	if o.Dt < 0 || math.IsNaN(o.Dt) || math.IsInf(o.Dt, 0) {
		return nil, fmt.Errorf("%w (got %g)", ErrNoStep, o.Dt)
	}
	p := newProblem(sys)
	s := &Solver{p: p, o: o, info: info, st: info.newStepper(p)}
	s.y, s.ynew, s.yhalf, s.y2 = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	s.dw, s.hh, s.dw2, s.hh2 = make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	return s, nil
}

// Method returns the method's description.
func (s *Solver) Method() MethodInfo { return s.info }

// Solve integrates from y0 over ts along bm into sol (see the function
// Solve). sol's buffers are reused when they have the right shape.
func (s *Solver) Solve(y0, ts []float64, bm BrownianPath, sol *Solution) error {
	p := s.p
	if len(y0) != p.n {
		return fmt.Errorf("%w: len(y0) = %d, system dimension %d", ErrDim, len(y0), p.n)
	}
	if err := checkTimes(ts); err != nil {
		return err
	}
	t0, tEnd := ts[0], ts[len(ts)-1]
	dt := s.o.Dt
	if dt == 0 {
		div := 1000.0
		if s.o.Adaptive {
			div = 100
		}
		dt = (tEnd - t0) / div
	}
	if bm == nil {
		if s.tree == nil {
			s.tree = new(BrownianTree)
		}
		s.tree.init(t0, tEnd, p.m, s.o.Seed, (tEnd-t0)/(1<<24))
		bm = s.tree
	}
	if bm.Dim() != p.m {
		return fmt.Errorf("%w: Brownian path has %d components, system needs %d", ErrDim, bm.Dim(), p.m)
	}
	if a, b := bm.Span(); t0 < a || tEnd > b {
		return fmt.Errorf("%w: [%g, %g] not in [%g, %g]", ErrPathSpan, t0, tEnd, a, b)
	}
	var lp LevyPath
	if s.info.Levy {
		var ok bool
		lp, ok = bm.(LevyPath)
		if g, isGrid := bm.(*BrownianGrid); !ok || (isGrid && !g.levy) {
			return fmt.Errorf("%w (method %s; build the BrownianGrid with levy set)", ErrNoLevy, s.info.Name)
		}
	}
	if _, ok := bm.(*BrownianGrid); ok && s.o.Adaptive {
		return fmt.Errorf("%w: adaptive stepping needs a BrownianTree", ErrGridMismatch)
	}
	if err := checkGrid(bm, dt, ts); err != nil {
		return err
	}
	sol.T = append(sol.T[:0], ts...)
	if cap(sol.Y) < len(ts) {
		sol.Y = make([][]float64, len(ts))
	}
	sol.Y = sol.Y[:len(ts)]
	for i := range sol.Y {
		if len(sol.Y[i]) != p.n {
			sol.Y[i] = make([]float64, p.n)
		}
	}
	p.nfe, p.ng = 0, 0
	sol.Stats = Stats{}
	copy(s.y, y0)
	copy(sol.Y[0], y0)
	if rs, ok := s.st.(statefulStepper); ok {
		rs.reset(t0, s.y)
	}
	var err error
	if s.o.Adaptive {
		err = s.adaptive(ts, dt, lp, bm, sol)
	} else {
		err = s.fixed(ts, dt, lp, bm, sol)
	}
	sol.Stats.NFE, sol.Stats.NDiff = p.nfe, p.ng
	return err
}

// checkGrid reports, when bm is a BrownianGrid, whether fixed steps of dt
// from ts[0], cut short at the save times ts, all fall on its grid.
func checkGrid(bm BrownianPath, dt float64, ts []float64) error {
	g, ok := bm.(*BrownianGrid)
	if !ok {
		return nil
	}
	if math.Abs(dt/g.dt-math.Round(dt/g.dt)) > 1e-9 || math.Round(dt/g.dt) < 1 {
		return fmt.Errorf("%w: Dt %g is not a multiple of the grid step %g", ErrGridMismatch, dt, g.dt)
	}
	for _, t := range ts {
		if _, ok := g.index(t); !ok {
			return fmt.Errorf("%w: save time %g", ErrGridMismatch, t)
		}
	}
	return nil
}

func checkTimes(ts []float64) error {
	if len(ts) < 2 {
		return ErrTimes
	}
	for i, t := range ts {
		if math.IsNaN(t) || math.IsInf(t, 0) || (i > 0 && !(t > ts[i-1])) {
			return ErrTimes
		}
	}
	return nil
}

func (s *Solver) fail(t, h float64, err error) error {
	return &SolveError{Method: s.info.Name, T: t, H: h, Path: -1, Err: err}
}

// increment fills s.dw (and s.hh) for [a, b].
func (s *Solver) increment(lp LevyPath, bm BrownianPath, a, b float64, dw, hh []float64) {
	if lp != nil {
		lp.IncrementLevy(a, b, dw, hh)
	} else {
		bm.Increment(a, b, dw)
	}
}

func finite(y []float64) bool {
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// fixedClock walks the grid t0 + i·dt, inserting the save times: a step
// ends at the next grid point or the next save time, whichever is first, so
// steps never exceed dt and save times off the grid cost one short step.
type fixedClock struct {
	t0, dt float64
	i      int
}

// next returns the end of the step that starts at the current grid position
// and must not pass target.
func (c *fixedClock) next(target float64) float64 {
	g := c.t0 + float64(c.i+1)*c.dt
	eps := 1e-9 * c.dt
	if g >= target-eps {
		if g <= target+eps {
			c.i++ // landed on the grid
		}
		return target
	}
	c.i++
	return g
}

func (s *Solver) fixed(ts []float64, dt float64, lp LevyPath, bm BrownianPath, sol *Solution) error {
	clk := fixedClock{t0: ts[0], dt: dt}
	t := ts[0]
	for k := 1; k < len(ts); k++ {
		for t < ts[k] {
			tn := clk.next(ts[k])
			h := tn - t
			if s.o.MaxSteps > 0 && sol.Stats.Accepted >= s.o.MaxSteps {
				return s.fail(t, h, ErrMaxSteps)
			}
			s.increment(lp, bm, t, tn, s.dw, s.hh)
			s.st.step(t, h, s.y, s.dw, s.hh, s.ynew)
			if !finite(s.ynew) {
				return s.fail(t, h, ErrNonFinite)
			}
			s.y, s.ynew = s.ynew, s.y
			sol.Stats.Accepted++
			t = tn
		}
		copy(sol.Y[k], s.y)
	}
	return nil
}

// adaptive integrates with step doubling: one step of h against two of h/2
// on the same Brownian path; the two-half-step result is kept.
func (s *Solver) adaptive(ts []float64, h float64, lp LevyPath, bm BrownianPath, sol *Solution) error {
	span := ts[len(ts)-1] - ts[0]
	hmin := s.o.DtMin
	if hmin <= 0 {
		hmin = 1e-12 * span
	}
	if tr, ok := bm.(*BrownianTree); ok {
		// Below its tolerance the tree is the smooth conditional mean, not
		// a Brownian path: step doubling there would measure the error of
		// a different problem and accept it. Both half steps must resolve
		// the path.
		hmin = math.Max(hmin, 2*tr.tol)
	}
	expo := -1 / (s.info.StrongOrder + 0.5)
	t := ts[0]
	attempts := 0
	for k := 1; k < len(ts); k++ {
		for t < ts[k] {
			hh := h
			tn := t + hh
			shortened := false
			if tn >= ts[k]-1e-12*span {
				tn = ts[k]
				shortened = hh > tn-t
				hh = tn - t
			}
			attempts++
			if s.o.MaxSteps > 0 && attempts > s.o.MaxSteps {
				return s.fail(t, hh, ErrMaxSteps)
			}
			tm := t + hh/2
			s.increment(lp, bm, t, tn, s.dw, s.hh)
			s.st.step(t, hh, s.y, s.dw, s.hh, s.ynew)
			s.increment(lp, bm, t, tm, s.dw2, s.hh2)
			s.st.step(t, hh/2, s.y, s.dw2, s.hh2, s.yhalf)
			s.increment(lp, bm, tm, tn, s.dw2, s.hh2)
			s.st.step(tm, hh/2, s.yhalf, s.dw2, s.hh2, s.y2)
			if !finite(s.y2) || !finite(s.ynew) {
				if hh <= hmin {
					return s.fail(t, hh, ErrNonFinite)
				}
				sol.Stats.Rejected++
				h = hh / 4
				continue
			}
			var e float64
			for i, v := range s.y2 {
				sc := s.o.ATol + s.o.RTol*math.Max(math.Abs(s.y[i]), math.Abs(v))
				d := (v - s.ynew[i]) / sc
				e += d * d
			}
			e = math.Sqrt(e / float64(len(s.y2)))
			fac := 5.0
			if e > 0 {
				fac = math.Min(5, math.Max(0.2, 0.9*math.Pow(e, expo)))
			}
			if e <= 1 {
				sol.Stats.Accepted++
				s.y, s.y2 = s.y2, s.y
				t = tn
				if shortened {
					// A step cut short to land on ts[k] says little about h.
					h = math.Max(h, hh*fac)
				} else {
					h = hh * fac
				}
			} else {
				sol.Stats.Rejected++
				if hh <= hmin {
					return s.fail(t, hh, ErrStepSizeTooSmall)
				}
				h = math.Max(hh*fac, hmin)
			}
		}
		copy(sol.Y[k], s.y)
	}
	return nil
}
