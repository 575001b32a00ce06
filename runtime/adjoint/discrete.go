package adjoint

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/ode"
)

// discreteState replays and reverses explicit Runge–Kutta steps.
type discreteState struct {
	tab   ode.ButcherTableau
	need  []bool // stage i contributes to the step's result
	all   []bool // every stage (for steps with interpolated observations)
	dense func(theta float64, w []float64)

	stepT, stepH []float64
	stepY        []float64 // n values per step start
	obsY         [][]float64
	sol          ode.Solution
	its          [2]float64
	// observation i lies in step obsStep[i] at fraction obsTheta[i]
	// (θ = 1: at the step's end); obsStep[i] = −1 for the start point.
	obsStep  []int
	obsTheta []float64

	ys, ks, kbar [][]float64
	w            []float64
	ybar, acc    []float64
	tmp          []float64

	// rec keeps every evaluation of the forward solve; call[k·ns + i] is
	// the evaluation that was stage i of accepted step k (see match).
	rec    *recorder
	call   []int
	replay bool // always replay the steps (tests)
	// stage i of the step being reversed: its time, state and slot
	stT    []float64
	stY    [][]float64
	stSlot []int
}

func newDiscrete(w *Workspace, fo *ode.Options) (*discreteState, error) {
	method := fo.Method
	if method == "" {
		method = "dopri5"
	}
	tab, ok := ode.Tableau(method)
	if !ok {
		return nil, fmt.Errorf("%w: the discrete adjoint needs an explicit Runge–Kutta tableau, method %q has none", ErrMethod, method)
	}
	fo.SaveSteps = true
	s := &discreteState{tab: tab, dense: denseWeights(method)}
	ns := len(tab.C)
	s.need = make([]bool, ns)
	s.all = make([]bool, ns)
	for i := ns - 1; i >= 0; i-- {
		s.all[i] = true
		s.need[i] = tab.B[i] != 0
		for l := i + 1; l < ns; l++ {
			if s.need[l] && tab.A[l][i] != 0 {
				s.need[i] = true
			}
		}
	}
	s.ys = grow(nil, ns, w.n)
	s.ks = grow(nil, ns, w.n)
	s.kbar = grow(nil, ns, w.n)
	s.w = make([]float64, ns)
	s.ybar = make([]float64, w.n)
	s.acc = make([]float64, w.n)
	s.tmp = make([]float64, w.n)
	s.rec = &recorder{sys: w.sys, sv: w.sv, n: w.n}
	s.stT = make([]float64, ns)
	s.stY = make([][]float64, ns)
	s.stSlot = make([]int, ns)
	return s, nil
}

// recorder is the system the discrete adjoint's forward solve sees: it
// evaluates the real one and keeps every evaluation (time, state,
// derivative; for a StageVJPer, in its own slot), so that the backward
// pass reuses the stages of the accepted steps instead of recomputing
// them.
type recorder struct {
	sys    ode.System
	sv     StageVJPer
	n      int
	ts     []float64
	ys, ks []float64 // n values per evaluation
	kmax   []float64 // max |k| of each evaluation
}

func (r *recorder) reset() {
	r.ts, r.ys, r.ks, r.kmax = r.ts[:0], r.ys[:0], r.ks[:0], r.kmax[:0]
}

func (r *recorder) Dim() int { return r.n }

func (r *recorder) Func(t float64, y, dy []float64) {
	c := len(r.ts)
	if r.sv != nil {
		r.sv.FuncSlot(c, t, y, dy)
	} else {
		r.sys.Func(t, y, dy)
	}
	r.ts = append(r.ts, t)
	r.ys = append(r.ys, y...)
	r.ks = append(r.ks, dy...)
	r.kmax = append(r.kmax, maxAbs(dy))
}

func (r *recorder) y(c int) []float64 { return r.ys[c*r.n : (c+1)*r.n] }
func (r *recorder) k(c int) []float64 { return r.ks[c*r.n : (c+1)*r.n] }

// match finds, for every stage of every accepted step, the recorded
// evaluation that computed it: the one at the stage's time whose state
// is the stage's state rebuilt from the step's start and the matched
// earlier stages (equal up to rounding; the tolerance is far below the
// difference between two distinct stages of a step). It returns false
// if some stage has no match (a solver that evaluates differently), and
// the backward pass then replays the steps instead.
func (s *discreteState) match(n int) bool {
	r, tab := s.rec, &s.tab
	ns := len(tab.C)
	steps := len(s.stepT)
	if cap(s.call) < steps*ns {
		s.call = make([]int, steps*ns)
	}
	s.call = s.call[:steps*ns]
	yi := s.tmp
	from := 0
	for k := 0; k < steps; k++ {
		t, h, y := s.stepT[k], s.stepH[k], s.stepY[k*n:(k+1)*n]
		first := len(r.ts)
		ymax := maxAbs(y)
		for i := 0; i < ns; i++ {
			copy(yi, y)
			kmax := 0.0
			for j, a := range tab.A[i] {
				if a == 0 {
					continue
				}
				c := s.call[k*ns+j]
				ha, kj := h*a, r.k(c)
				for m := range yi {
					yi[m] += ha * kj[m]
				}
				kmax = max(kmax, r.kmax[c])
			}
			// The solver's own h may differ from t_{k+1} − t_k by a
			// rounding of t, and it may sum the stages in another order.
			te := t + tab.C[i]*h
			at, ah := math.Abs(t), math.Abs(h)
			tol := 1e-11*(ymax+ah*kmax) + 1e-14*(at+ah)*kmax
			ttol := 1e-13 * (at + ah)
			c := -1
			for q := from; q < len(r.ts); q++ {
				if math.Abs(r.ts[q]-te) <= ttol && near(r.y(q), yi, tol) {
					c = q
					break
				}
			}
			if c < 0 {
				return false
			}
			s.call[k*ns+i] = c
			first = min(first, c)
		}
		from = first
	}
	return true
}

func near(x, y []float64, tol float64) bool {
	y = y[:len(x)]
	d := 0.0
	for i, v := range x {
		d = max(d, math.Abs(v-y[i]))
	}
	return d <= tol
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// addSteps appends the accepted steps of s.sol.
func (s *discreteState) addSteps() {
	st, sy := s.sol.StepT, s.sol.StepY
	for k := 0; k+1 < len(st); k++ {
		s.stepT = append(s.stepT, st[k])
		s.stepH = append(s.stepH, st[k+1]-st[k])
		s.stepY = append(s.stepY, sy[k]...)
	}
}

func (w *Workspace) discrete(y0, ts []float64, loss LossFunc, res *Result) error {
	n, N := w.n, len(ts)
	s := w.dc
	dir, err := checkTimes(ts)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrForward, err)
	}
	s.stepT, s.stepH, s.stepY = s.stepT[:0], s.stepH[:0], s.stepY[:0]
	s.obsY = grow(s.obsY, N, n)
	s.obsStep = s.obsStep[:0]
	s.obsTheta = s.obsTheta[:0]
	s.obsStep = append(s.obsStep, -1)
	s.obsTheta = append(s.obsTheta, 0)
	copy(s.obsY[0], y0)
	s.rec.reset()
	if s.dense != nil {
		// One solve; observations inside a step are the method's dense
		// output, differentiated through its stages.
		if err := w.fwd.Solve(y0, ts, &s.sol); err != nil {
			return fmt.Errorf("%w: %w", ErrForward, err)
		}
		res.Stats.Forward = s.sol.Stats
		s.addSteps()
		for i := 1; i < N; i++ {
			copy(s.obsY[i], s.sol.Y[i])
		}
		k := 0
		for i := 1; i < N; i++ {
			for k+1 < len(s.stepT) && (ts[i]-s.sol.StepT[k+1])*dir > 0 {
				k++
			}
			th := (ts[i] - s.stepT[k]) / s.stepH[k]
			if i == N-1 || ts[i] == s.sol.StepT[k+1] {
				th = 1
			}
			s.obsStep = append(s.obsStep, k)
			s.obsTheta = append(s.obsTheta, th)
		}
	} else {
		// One solve per observation interval, so that every observation
		// is the end of an accepted step.
		for i := 0; i+1 < N; i++ {
			s.its = [2]float64{ts[i], ts[i+1]}
			if err := w.fwd.Solve(s.obsY[i], s.its[:], &s.sol); err != nil {
				return fmt.Errorf("%w: interval [%g, %g]: %w", ErrForward, ts[i], ts[i+1], err)
			}
			addStats(&res.Stats.Forward, s.sol.Stats)
			s.addSteps()
			copy(s.obsY[i+1], s.sol.StepY[len(s.sol.StepY)-1])
			s.obsStep = append(s.obsStep, len(s.stepT)-1)
			s.obsTheta = append(s.obsTheta, 1)
		}
	}
	res.Stats.Checkpoints = len(s.stepT) + 1
	if err := w.losses(N, func(i int) []float64 { return s.obsY[i] }, loss, res); err != nil {
		return err
	}

	recorded := !s.replay && s.match(n)
	clear(s.ybar)
	i := N - 1 // next observation to hand back, from the last
	for k := len(s.stepT) - 1; k >= 0; k-- {
		// observations at the end of step k seed its adjoint directly
		for ; i > 0 && s.obsStep[i] == k && s.obsTheta[i] == 1; i-- {
			for m, v := range w.g[i] {
				s.ybar[m] += v
			}
		}
		lo := i
		for lo > 0 && s.obsStep[lo] == k {
			lo--
		}
		w.reverseStep(k, recorded, lo+1, i, res)
		i = lo
	}
	for m, v := range w.g[0] {
		s.ybar[m] += v
	}
	copy(res.DY0, s.ybar)
	return nil
}

// reverseStep maps the adjoint of step k's result (s.ybar), together
// with the gradients of the observations i0…i1 interpolated inside it,
// to the adjoint of the step's start, accumulating the parameter
// gradient into res.DParams. The stages are the forward solve's own
// evaluations when recorded (see match); otherwise the step is replayed.
func (w *Workspace) reverseStep(k int, recorded bool, i0, i1 int, res *Result) {
	s := w.dc
	tab := &s.tab
	ns := len(tab.C)
	n := w.n
	t, h, y := s.stepT[k], s.stepH[k], s.stepY[k*n:(k+1)*n]
	need := s.need
	if i1 >= i0 {
		need = s.all
	}
	for i := 0; i < ns; i++ {
		if !need[i] {
			continue
		}
		if recorded {
			c := s.call[k*ns+i]
			s.stT[i], s.stY[i], s.stSlot[i] = s.rec.ts[c], s.rec.y(c), c
			continue
		}
		yi := s.ys[i]
		copy(yi, y)
		for j, a := range tab.A[i] {
			if a == 0 {
				continue
			}
			ha, kj := h*a, s.ks[j]
			for m := range yi {
				yi[m] += ha * kj[m]
			}
		}
		ti := t + tab.C[i]*h
		if w.sv != nil {
			w.sv.FuncSlot(i, ti, yi, s.ks[i])
		} else {
			w.sys.Func(ti, yi, s.ks[i])
		}
		s.stT[i], s.stY[i], s.stSlot[i] = ti, yi, i
		res.Stats.Backward.NFE++
	}
	copy(s.acc, s.ybar)
	for i := 0; i < ns; i++ {
		if need[i] {
			hb, kb := h*tab.B[i], s.kbar[i]
			for m, v := range s.ybar {
				kb[m] = hb * v
			}
		}
	}
	for o := i0; o <= i1; o++ {
		g := w.g[o]
		s.dense(s.obsTheta[o], s.w)
		for i, wi := range s.w {
			hw, kb := h*wi, s.kbar[i]
			for m, v := range g {
				kb[m] += hw * v
			}
		}
		for m, v := range g {
			s.acc[m] += v
		}
	}
	for i := ns - 1; i >= 0; i-- {
		if !need[i] {
			continue
		}
		if w.sv != nil {
			w.sv.VJPSlot(s.stSlot[i], s.kbar[i], s.tmp, res.DParams)
		} else {
			w.sys.VJP(s.stT[i], s.stY[i], s.kbar[i], s.tmp, res.DParams)
		}
		res.Stats.NVJP++
		for m, v := range s.tmp {
			s.acc[m] += v
		}
		for j, a := range tab.A[i] {
			if a == 0 || !need[j] {
				continue
			}
			ha, kb := h*a, s.kbar[j]
			for m, v := range s.tmp {
				kb[m] += ha * v
			}
		}
	}
	copy(s.ybar, s.acc)
}
