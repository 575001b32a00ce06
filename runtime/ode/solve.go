package ode

import (
	"fmt"
	"math"
)

// Solve integrates sys from ts[0] to ts[len(ts)−1] starting at y0 and
// returns the state at every time in ts. ts must be strictly monotonic
// (increasing, or decreasing to integrate backwards) with at least two
// entries. A nil opts means the defaults (dopri5, rtol 1e-7, atol 1e-9).
//
// Solve is a convenience around NewSolver and Solver.Solve; to solve the
// same system many times without allocating, keep a Solver.
func Solve(sys System, y0, ts []float64, opts *Options) (*Solution, error) {
	s, err := NewSolver(sys, opts)
	if err != nil {
		return nil, err
	}
	sol := new(Solution)
	err = s.Solve(y0, ts, sol)
	return sol, err
}

// Solver integrates one system with one set of options. It owns all the
// workspace a solve needs, so repeated solves allocate nothing once the
// Solution's buffers have grown to size. A Solver is not safe for
// concurrent use.
type Solver struct {
	p    problem
	info MethodInfo
	st   stepper

	y, ynew, tmp []float64
	// event state
	gOld, gNew []float64
	evY        []float64
}

// NewSolver validates opts and prepares the workspace for sys.
func NewSolver(sys System, opts *Options) (*Solver, error) {
	n := sys.Dim()
	if n <= 0 {
		return nil, fmt.Errorf("ode: system dimension %d, need at least 1", n)
	}
	r := opts.resolve(n)
	info, err := Lookup(r.Method)
	if err != nil {
		return nil, err
	}
	if err := r.validate(n, info); err != nil {
		return nil, err
	}
	if info.Separable {
		if _, ok := sys.(Separable); !ok {
			return nil, fmt.Errorf("ode: method %s needs a Separable system (q' = Velocity(p), p' = Force(t, q))", info.Name)
		}
		if n%2 != 0 {
			return nil, fmt.Errorf("ode: method %s needs an even dimension, got %d", info.Name, n)
		}
	}
	s := &Solver{info: info}
	s.p = problem{sys: sys, n: n, f: sys.Func, opt: r}
	s.st = info.newStepper(n)
	s.y = make([]float64, n)
	s.ynew = make([]float64, n)
	s.tmp = make([]float64, n)
	if ne := len(r.Events); ne > 0 {
		s.gOld = make([]float64, ne)
		s.gNew = make([]float64, ne)
		s.evY = make([]float64, n)
	}
	return s, nil
}

func (r *resolved) validate(n int, info MethodInfo) error {
	bad := func(format string, a ...any) error { return fmt.Errorf("ode: "+format, a...) }
	if r.ATolVec != nil && len(r.ATolVec) != n {
		return bad("len(ATolVec) = %d, want the dimension %d", len(r.ATolVec), n)
	}
	if !(r.rtol > 0) || math.IsInf(r.rtol, 0) {
		return bad("rtol must be positive and finite, got %g", r.rtol)
	}
	for i, a := range r.atol {
		if !(a >= 0) || math.IsInf(a, 0) {
			return bad("atol[%d] must be non-negative and finite, got %g", i, a)
		}
	}
	if r.MinStep < 0 || r.MaxStep < 0 || r.FirstStep < 0 || math.IsNaN(r.MinStep+r.MaxStep+r.FirstStep) {
		return bad("FirstStep, MinStep and MaxStep must be non-negative (the direction comes from ts)")
	}
	if math.IsInf(r.MinStep, 0) {
		return bad("MinStep must be finite")
	}
	if r.NormDims < 0 || r.NormDims > n {
		return bad("NormDims = %d outside [0, %d] (0 means every component)", r.NormDims, n)
	}
	if r.MaxStep > 0 && r.MinStep > r.MaxStep {
		return bad("MinStep %g exceeds MaxStep %g", r.MinStep, r.MaxStep)
	}
	if info.Name == "radau5" && r.zeroATol {
		// RADAU5 weights errors by |y| at the step's start only, so a
		// component at 0 with weight 0 could never take a step; Hairer's
		// code rejects atol ≤ 0 too
		return bad("method radau5 needs every absolute tolerance positive (ATolVec has a 0)")
	}
	if info.Fixed {
		if !(r.StepSize > 0) || math.IsInf(r.StepSize, 0) {
			return bad("method %s is fixed-step: set Options.StepSize > 0", info.Name)
		}
	} else if r.StepSize != 0 {
		return bad("StepSize is for fixed-step methods; %s is adaptive (use FirstStep)", info.Name)
	}
	for i, e := range r.Events {
		if e.Func == nil {
			return bad("Events[%d].Func is nil", i)
		}
		if e.Direction < -1 || e.Direction > 1 {
			return bad("Events[%d].Direction must be -1, 0 or +1", i)
		}
	}
	return nil
}

// SetFirstStep sets the initial step size of the solves that follow, as
// Options.FirstStep does (0: choose it automatically). A caller that
// solves many adjacent intervals — an adjoint going back observation by
// observation — carries a step learnt on one interval into the next
// instead of restarting the step-size search every time.
func (s *Solver) SetFirstStep(h float64) error {
	if !(h >= 0) || math.IsInf(h, 0) {
		return fmt.Errorf("ode: SetFirstStep(%g): want a finite step ≥ 0", h)
	}
	s.p.opt.FirstStep = h
	return nil
}

// Stats returns the statistics of the last solve (zero before the first).
func (s *Solver) Stats() Stats {
	if s.p.stats == nil {
		return Stats{}
	}
	return *s.p.stats
}

// Method returns the solver's method.
func (s *Solver) Method() MethodInfo { return s.info }

func checkTimes(ts []float64) (dir float64, err error) {
	if len(ts) < 2 {
		return 0, fmt.Errorf("ode: need at least two times (t0 and t1), got %d", len(ts))
	}
	for i, t := range ts {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0, fmt.Errorf("ode: ts[%d] = %g is not finite", i, t)
		}
	}
	dir = 1
	if ts[len(ts)-1] < ts[0] {
		dir = -1
	}
	for i := 1; i < len(ts); i++ {
		if (ts[i]-ts[i-1])*dir <= 0 {
			return 0, fmt.Errorf("ode: ts must be strictly monotonic: ts[%d] = %g after ts[%d] = %g", i, ts[i], i-1, ts[i-1])
		}
	}
	return dir, nil
}

// grow returns buf resized to n rows of m values, reusing storage.
func grow(buf [][]float64, n, m int) [][]float64 {
	if cap(buf) < n {
		nb := make([][]float64, n)
		copy(nb, buf[:cap(buf)])
		buf = nb
	}
	buf = buf[:n]
	for i := range buf {
		if cap(buf[i]) < m {
			buf[i] = make([]float64, m)
		}
		buf[i] = buf[i][:m]
	}
	return buf
}

// Solve integrates from ts[0] to ts[len(ts)−1] starting at y0 and fills
// sol, reusing its buffers. See the package-level Solve.
func (s *Solver) Solve(y0, ts []float64, sol *Solution) error {
	p := &s.p
	n := p.n
	if len(y0) != n {
		return fmt.Errorf("ode: len(y0) = %d, want the dimension %d", len(y0), n)
	}
	for i, v := range y0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("ode: y0[%d] = %g is not finite", i, v)
		}
	}
	dir, err := checkTimes(ts)
	if err != nil {
		return err
	}
	sol.Stats = Stats{}
	p.stats = &sol.Stats
	p.t0, p.t1, p.dir = ts[0], ts[len(ts)-1], dir
	span := math.Abs(p.t1 - p.t0)
	p.hmax = span
	if p.opt.MaxStep > 0 && p.opt.MaxStep < span {
		p.hmax = p.opt.MaxStep
	}
	p.hmin = p.opt.MinStep

	sol.T = append(sol.T[:0], ts...)
	sol.Y = grow(sol.Y, len(ts), n)
	sol.StepT = sol.StepT[:0]
	sol.StepY = sol.StepY[:0]
	sol.Events = sol.Events[:0]
	sol.Terminated = false
	sol.TEnd = p.t1
	var dw denseWriter
	if p.opt.Dense {
		var ok bool
		if dw, ok = s.st.(denseWriter); !ok {
			return fmt.Errorf("ode: method %s cannot store dense output", s.info.Name)
		}
		if sol.dense == nil {
			sol.dense = new(denseStore)
		}
		sol.dense.reset(n, p.t0, dir, dw)
	} else {
		sol.dense = nil
	}

	t := p.t0
	y, ynew := s.y, s.ynew
	copy(y, y0)
	copy(sol.Y[0], y0)
	if p.opt.SaveSteps {
		s.saveStep(sol, t, y)
	}
	for i, e := range p.opt.Events {
		s.gOld[i] = e.Func(t, y)
	}

	next := 1 // next save index
	h, err := s.st.init(p, t, y)
	if err != nil {
		return s.failed(sol, next, err, t, h)
	}
	if !s.info.Fixed && math.Abs(h) < p.hmin {
		// MinStep is a floor, also for the automatic first step
		h = dir * p.hmin
	}
	steps := 0
	// Fixed-step methods walk the grid t0 + i·h (the last step lands on t1),
	// computed by multiplication so rounding does not accumulate.
	nFixed := 0
	if s.info.Fixed {
		// counted in floating point: a tiny StepSize must not overflow
		// int into a single step across the interval
		nf := math.Ceil(span/p.opt.StepSize - 1e-9)
		if nf > float64(p.opt.maxSteps) {
			return s.failed(sol, next, ErrMaxSteps, t, dir*p.opt.StepSize)
		}
		nFixed = int(nf)
	}
	for {
		last := false
		if s.info.Fixed {
			if steps+1 >= nFixed {
				h, last = p.t1-t, true
			} else {
				h = p.t0 + dir*float64(steps+1)*p.opt.StepSize - t
			}
		} else if (t+1.01*h-p.t1)*dir > 0 {
			// land exactly on t1 (Hairer: stretch the last step by up to 1%)
			h, last = p.t1-t, true
		}
		if !s.info.Fixed && (0.1*math.Abs(h) <= math.Abs(t)*uround || (!last && math.Abs(h) < p.hmin)) {
			return s.failed(sol, next, ErrStepSizeTooSmall, t, h)
		}
		if steps >= p.opt.maxSteps {
			return s.failed(sol, next, ErrMaxSteps, t, h)
		}
		steps++
		accepted, hnext, err := s.st.step(t, y, h, ynew)
		if err != nil {
			return s.failed(sol, next, err, t, h)
		}
		if !accepted {
			if math.IsNaN(hnext) {
				return s.failed(sol, next, ErrNonFinite, t, h)
			}
			if hnext == 0 {
				// shrunk to nothing (at t = 0 the relative test below
				// never fires)
				return s.failed(sol, next, ErrStepSizeTooSmall, t, h)
			}
			if p.hmin > 0 && math.Abs(hnext) < p.hmin {
				// the error test failed at the smallest step allowed
				if math.Abs(h) <= p.hmin {
					return s.failed(sol, next, ErrStepSizeTooSmall, t, h)
				}
				hnext = dir * p.hmin
			}
			h = hnext
			continue
		}
		tnew := t + h
		if last {
			tnew = p.t1
		}
		for i, v := range ynew {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				_ = i
				return s.failed(sol, next, ErrNonFinite, t, h)
			}
		}
		if dw != nil {
			sol.dense.add(t, tnew, dw)
		}
		// Events: a terminal one cuts the step short.
		tstop := tnew
		stopped := false
		if len(p.opt.Events) > 0 {
			tstop, stopped = s.events(sol, t, tnew, ynew)
		}
		for next < len(ts) && (ts[next]-tstop)*dir <= 0 {
			if ts[next] == tnew {
				copy(sol.Y[next], ynew)
			} else {
				s.st.interp(ts[next], sol.Y[next])
			}
			next++
		}
		if stopped {
			sol.Terminated = true
			sol.TEnd = tstop
			sol.T = sol.T[:next]
			sol.Y = sol.Y[:next]
			if p.opt.SaveSteps {
				s.st.interp(tstop, s.tmp)
				s.saveStep(sol, tstop, s.tmp)
			}
			if dw != nil {
				sol.dense.cut(tstop)
			}
			return nil
		}
		y, ynew = ynew, y
		t = tnew
		if p.opt.SaveSteps {
			s.saveStep(sol, t, y)
		}
		if last {
			break
		}
		h = hnext
		if !s.info.Fixed && math.Abs(h) < p.hmin {
			h = dir * p.hmin
		}
	}
	// keep s.y as the canonical buffer for the next solve
	s.y, s.ynew = y, ynew
	return nil
}

func (s *Solver) saveStep(sol *Solution, t float64, y []float64) {
	sol.StepT = append(sol.StepT, t)
	k := len(sol.StepY)
	if k < cap(sol.StepY) {
		sol.StepY = sol.StepY[:k+1]
		if cap(sol.StepY[k]) >= len(y) {
			sol.StepY[k] = sol.StepY[k][:len(y)]
			copy(sol.StepY[k], y)
			return
		}
	} else {
		sol.StepY = append(sol.StepY, nil)
	}
	sol.StepY[k] = append([]float64(nil), y...)
}

// failed ends a solve that cannot proceed at t: the solution keeps the
// save times it reached (none of an earlier solve's rows), and TEnd is t.
func (s *Solver) failed(sol *Solution, next int, err error, t, h float64) error {
	sol.T = sol.T[:next]
	sol.Y = sol.Y[:next]
	sol.TEnd = t
	return s.fail(err, t, h)
}

func (s *Solver) fail(err error, t, h float64) error {
	return &SolveError{Method: s.info.Name, T: t, H: h, Err: err}
}
