package adjoint

import (
	"fmt"

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
	return s, nil
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
	w.losses(N, func(i int) []float64 { return s.obsY[i] }, loss, res)

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
		w.reverseStep(s.stepT[k], s.stepH[k], s.stepY[k*n:(k+1)*n], lo+1, i, res)
		i = lo
	}
	for m, v := range w.g[0] {
		s.ybar[m] += v
	}
	copy(res.DY0, s.ybar)
	return nil
}

// reverseStep replays the step of size h from (t, y) and maps the adjoint
// of its result (s.ybar), together with the gradients of the observations
// i0…i1 interpolated inside it, to the adjoint of y, accumulating the
// parameter gradient into res.DParams.
func (w *Workspace) reverseStep(t, h float64, y []float64, i0, i1 int, res *Result) {
	s := w.dc
	tab := &s.tab
	ns := len(tab.C)
	need := s.need
	if i1 >= i0 {
		need = s.all
	}
	for i := 0; i < ns; i++ {
		if !need[i] {
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
		if w.sv != nil {
			w.sv.FuncSlot(i, t+tab.C[i]*h, yi, s.ks[i])
		} else {
			w.sys.Func(t+tab.C[i]*h, yi, s.ks[i])
		}
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
			w.sv.VJPSlot(i, s.kbar[i], s.tmp, res.DParams)
		} else {
			w.sys.VJP(t+tab.C[i]*h, s.ys[i], s.kbar[i], s.tmp, res.DParams)
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
