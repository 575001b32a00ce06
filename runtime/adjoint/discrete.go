package adjoint

import (
	"fmt"

	"github.com/nodekit/nodekit/runtime/ode"
)

// discreteState replays and reverses explicit Runge–Kutta steps.
type discreteState struct {
	tab  ode.ButcherTableau
	need []bool // stage i contributes to the step's result

	stepT, stepH []float64
	stepY        []float64 // n values per step
	ends         []int     // steps of interval i are ends[i-1]..ends[i]−1
	obsY         [][]float64
	sol          ode.Solution
	its          [2]float64

	ys, ks, kbar [][]float64
	ybar, acc    []float64
	tmp          []float64
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
	s := &discreteState{tab: tab}
	ns := len(tab.C)
	s.need = make([]bool, ns)
	for i := ns - 1; i >= 0; i-- {
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
	s.ybar = make([]float64, w.n)
	s.acc = make([]float64, w.n)
	s.tmp = make([]float64, w.n)
	return s, nil
}

func (w *Workspace) discrete(y0, ts []float64, loss LossFunc, res *Result) error {
	n, N := w.n, len(ts)
	s := w.dc
	if _, err := checkTimes(ts); err != nil {
		return fmt.Errorf("%w: %w", ErrForward, err)
	}
	s.stepT, s.stepH, s.stepY = s.stepT[:0], s.stepH[:0], s.stepY[:0]
	s.ends = s.ends[:0]
	s.obsY = grow(s.obsY, N, n)
	copy(s.obsY[0], y0)
	// One solve per observation interval, so that every observation is
	// the end of an accepted step rather than an interpolated value.
	for i := 0; i+1 < N; i++ {
		s.its = [2]float64{ts[i], ts[i+1]}
		if err := w.fwd.Solve(s.obsY[i], s.its[:], &s.sol); err != nil {
			return fmt.Errorf("%w: interval [%g, %g]: %w", ErrForward, ts[i], ts[i+1], err)
		}
		addStats(&res.Stats.Forward, s.sol.Stats)
		st, sy := s.sol.StepT, s.sol.StepY
		for k := 0; k+1 < len(st); k++ {
			s.stepT = append(s.stepT, st[k])
			s.stepH = append(s.stepH, st[k+1]-st[k])
			s.stepY = append(s.stepY, sy[k]...)
		}
		s.ends = append(s.ends, len(s.stepT))
		copy(s.obsY[i+1], sy[len(sy)-1])
	}
	res.Stats.Checkpoints = len(s.stepT) + N
	w.losses(N, func(i int) []float64 { return s.obsY[i] }, loss, res)

	copy(s.ybar, w.g[N-1])
	for i := N - 2; i >= 0; i-- {
		lo := 0
		if i > 0 {
			lo = s.ends[i-1]
		}
		for k := s.ends[i] - 1; k >= lo; k-- {
			w.reverseStep(s.stepT[k], s.stepH[k], s.stepY[k*n:(k+1)*n], res)
		}
		for j, v := range w.g[i] {
			s.ybar[j] += v
		}
	}
	copy(res.DY0, s.ybar)
	return nil
}

// reverseStep replays the step of size h from (t, y) and maps the adjoint
// of its result (s.ybar) to the adjoint of y, accumulating the parameter
// gradient into res.DParams.
func (w *Workspace) reverseStep(t, h float64, y []float64, res *Result) {
	s := w.dc
	tab := &s.tab
	ns := len(tab.C)
	for i := 0; i < ns; i++ {
		if !s.need[i] {
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
		w.sys.Func(t+tab.C[i]*h, yi, s.ks[i])
		res.Stats.Backward.NFE++
	}
	copy(s.acc, s.ybar)
	for i := 0; i < ns; i++ {
		if s.need[i] {
			hb, kb := h*tab.B[i], s.kbar[i]
			for m, v := range s.ybar {
				kb[m] = hb * v
			}
		}
	}
	for i := ns - 1; i >= 0; i-- {
		if !s.need[i] {
			continue
		}
		w.sys.VJP(t+tab.C[i]*h, s.ys[i], s.kbar[i], s.tmp, res.DParams)
		res.Stats.NVJP++
		for m, v := range s.tmp {
			s.acc[m] += v
		}
		for j, a := range tab.A[i] {
			if a == 0 || !s.need[j] {
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
