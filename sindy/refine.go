package sindy

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Refinement re-estimates the nonzero coefficients of a discovered model by
// fitting its simulated trajectories to the data (output-error least
// squares by multiple shooting), keeping the support fixed.
//
// Sparse regression on derivatives or weak-form integrals is an
// equation-error method: noise enters its regressors and its targets, and
// the coefficient estimates scatter (on Lorenz with 5% noise the smallest
// coefficient, the −y of y', varies by about 3.5% from one noise draw to the
// next). Simulation error uses the dynamics themselves to average the
// noise: each window of data is matched by a simulation of the model from
// a fitted initial state, and the coefficients and window initial states
// are found together by Levenberg–Marquardt, each residual weighted by its
// state's noise level. This is the maximum-likelihood estimate under
// Gaussian measurement noise (given the windows), which is why it is far
// more precise than the regression that found the support.
//
// Windows are fitted in turn from short to long (continuation): short
// windows keep the problem nearly convex from the regression's starting
// point, and each stage starts its windows on the previous stage's
// simulated trajectory. Long windows carry more information but, on
// chaotic systems, make the cost rugged; keep the longest window to a few
// Lyapunov times.
type Refinement struct {
	// Windows are the window durations (time units) of the stages, fitted
	// in order. Nil means 1/40, 1/20, 1/10 and 1/5 of each trajectory's
	// duration.
	Windows []float64
	// Iterations is the number of Levenberg–Marquardt iterations per
	// stage (0 means 5).
	Iterations int
	// Noise is each state's measurement-noise standard deviation, used to
	// weight the residuals. Nil means EstimateNoise on each state of the
	// first trajectory.
	Noise []float64
	// MaxStep bounds the RK4 step of the simulations (0 means the median
	// sample interval of each trajectory: one step per sample on uniform
	// data).
	MaxStep float64
	// Fixed, when not nil, holds coefficients at their values: Fixed[i][j]
	// true keeps Coef[i, j] (known physics, say, next to the discovered
	// terms of a universal differential equation) and only the others are
	// re-estimated. It has the shape of Coef.
	Fixed [][]bool
}

// Refine improves the model's nonzero coefficients in place by fitting
// simulations to the trajectories (see Refinement); nil options mean the
// defaults. The data must not carry only derivatives: states are what is
// fitted. It returns an error wrapping ErrDiverged if the model cannot be
// simulated across a window.
func (m *Model) Refine(data []Trajectory, opts *Refinement) error {
	_, err := m.refine(data, opts, nil, nil, 0, -1)
	return err
}

// refine is Refine over the terms where support is true (nil: the nonzero
// coefficients; a term in the support may start at zero), returning the
// refiner of the last stage run (nil when there was nothing to refine). It
// runs stages from..to−1 (to < 0: through the last), the first of them
// starting its windows on warm (a previous refiner's sims) when that is
// not nil, else on the data.
func (m *Model) refine(data []Trajectory, opts *Refinement, support [][]bool, warm [][][]float64, from, to int) (*refiner, error) {
	d, err := validate(data, 3)
	if err != nil {
		return nil, err
	}
	if d != len(m.Names) {
		return nil, fmt.Errorf("%w: data have %d states, the model %d", ErrShape, d, len(m.Names))
	}
	var o Refinement
	if opts != nil {
		o = *opts
	}
	iters := o.Iterations
	if iters == 0 {
		iters = 5
	}
	if iters < 0 || o.MaxStep < 0 || math.IsNaN(o.MaxStep) || math.IsInf(o.MaxStep, 0) {
		return nil, fmt.Errorf("%w: refinement with %d iterations, max step %g", ErrSettings, iters, o.MaxStep)
	}
	for _, w := range o.Windows {
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("%w: refinement window %g", ErrSettings, w)
		}
	}
	sigma := o.Noise
	if sigma == nil {
		sigma = make([]float64, d)
		col := make([]float64, 0, len(data[0].T))
		for j := range d {
			col = column(data[0].X, j, col)
			sigma[j] = EstimateNoise(data[0].T, col)
		}
	}
	if len(sigma) != d {
		return nil, fmt.Errorf("%w: %d noise levels for %d states", ErrShape, len(sigma), d)
	}
	w := make([]float64, d) // 1/σ_j, with a floor so clean data still work
	for j := range d {
		var ss float64
		var cnt int
		for k := range data {
			for _, x := range data[k].X {
				ss += x[j] * x[j]
				cnt++
			}
		}
		floor := 1e-9 * math.Max(math.Sqrt(ss/float64(cnt)), 1e-300)
		s := sigma[j]
		if !(s >= 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("%w: noise level %g for %s", ErrSettings, s, m.Names[j])
		}
		w[j] = 1 / math.Max(s, floor)
	}
	kk, p := m.Coef.Dims()
	if o.Fixed != nil && len(o.Fixed) != kk {
		return nil, fmt.Errorf("%w: Fixed has %d rows for %d equations", ErrShape, len(o.Fixed), kk)
	}
	var free []int // indices of the re-estimated terms in sys.coef
	q := 0
	for i := range kk {
		if o.Fixed != nil && len(o.Fixed[i]) != p {
			return nil, fmt.Errorf("%w: Fixed row %d has %d entries for %d features", ErrShape, i, len(o.Fixed[i]), p)
		}
		for j := range p {
			if support == nil && m.Coef.At(i, j) == 0 || support != nil && !support[i][j] {
				continue
			}
			if o.Fixed == nil || !o.Fixed[i][j] {
				free = append(free, q)
			}
			q++
		}
	}
	sys := m.systemFor(support)
	if len(free) == 0 {
		return nil, nil
	}
	r := &refiner{sys: sys, free: free, data: data, w: w, maxStep: o.MaxStep, iters: iters}
	stages := o.Windows
	starts := warm // per trajectory, per sample: the previous stage's simulation
	nstages := len(stages)
	if stages == nil {
		nstages = 4
	}
	if to < 0 || to > nstages {
		to = nstages
	}
	if from < 0 {
		from += nstages
	}
	// A stage whose windows outgrow the model's horizon of predictability
	// (a few Lyapunov times on chaotic data) can end in a poor local
	// minimum: its cost per residual then jumps well above the previous
	// stage's, and the previous stage's answer is kept instead.
	var prev *snapshot
	r.stageIdx = -1
	for s := max(from, 0); s < to; s++ {
		if err := r.stage(func(k int) float64 {
			if stages != nil {
				return stages[s]
			}
			tr := &data[k]
			div := 40 >> s
			return (tr.T[len(tr.T)-1] - tr.T[0]) / float64(div)
		}, starts); err != nil {
			return nil, err
		}
		if prev != nil && r.final/float64(r.nres()) > 2*prev.perRes+1 {
			r.restore(prev)
			break
		}
		starts = r.simulateAll()
		r.sims, r.stageIdx = starts, s
		prev = r.snapshot()
	}
	// Write the coefficients back where the model keeps them.
	q = 0
	for i := range kk {
		for j := range p {
			if support == nil && m.Coef.At(i, j) != 0 || support != nil && support[i][j] {
				m.Coef.Set(i, j, sys.coef[q])
				q++
			}
		}
	}
	return r, nil
}

// EstimateNoise estimates the standard deviation of white measurement
// noise in one sampled signal from its sixth divided differences, which a
// smooth signal sampled finely enough contributes almost nothing to: each
// difference, scaled to unit weight norm, has the noise's variance. It
// works on non-uniform grids. Fewer than 7 samples give 0.
func EstimateNoise(t, x []float64) float64 {
	const m = 6
	if len(t) != len(x) {
		panic(fmt.Sprintf("sindy: EstimateNoise lengths t=%d x=%d differ", len(t), len(x)))
	}
	var c [m + 1]float64
	var ss float64
	cnt := 0
	for i := 0; i+m < len(t); i++ {
		var nn, dd float64
		for j := 0; j <= m; j++ {
			p := 1.0
			for l := 0; l <= m; l++ {
				if l != j {
					// Scaled by the window length so the product stays in range.
					p *= (t[i+j] - t[i+l]) / (t[i+m] - t[i])
				}
			}
			c[j] = 1 / p
			nn += c[j] * c[j]
		}
		for j := 0; j <= m; j++ {
			dd += c[j] * x[i+j]
		}
		if nn > 0 && !math.IsInf(nn, 0) {
			ss += dd * dd / nn
			cnt++
		}
	}
	if cnt == 0 {
		return 0
	}
	return math.Sqrt(ss / float64(cnt))
}

// refiner holds one refinement's problem: the model (whose coefficient
// slice sys.coef is the shared unknown), the data, and the windows of the
// current stage with their initial states.
type refiner struct {
	sys     *System
	free    []int // the entries of sys.coef being estimated
	data    []Trajectory
	w       []float64
	maxStep float64
	iters   int

	wins []window
	// final is the weighted cost at the end of the last stage, sims the
	// stitched simulations of its windows.
	final float64
	sims  [][][]float64
	// stageIdx is the index of the last stage run.
	stageIdx int
	// x0 holds the window initial states, d per window.
	x0 []float64
	// Workspace.
	k1, k2, k3, k4, tmp []float64
}

type window struct {
	traj, s, e int // samples s..e of trajectory traj
	sub        []int
}

func (r *refiner) dim() int { return r.sys.n }

// stage splits the trajectories into windows of the given durations,
// starts them from starts (or the data) and runs Levenberg–Marquardt.
func (r *refiner) stage(dur func(k int) float64, starts [][][]float64) error {
	d := r.dim()
	r.wins = r.wins[:0]
	r.x0 = r.x0[:0]
	for k := range r.data {
		tr := &r.data[k]
		n := len(tr.T)
		hmax := r.maxStep
		if hmax == 0 {
			gaps := make([]float64, n-1)
			for i := range gaps {
				gaps[i] = tr.T[i+1] - tr.T[i]
			}
			slices.Sort(gaps)
			hmax = gaps[len(gaps)/2]
		}
		W := dur(k)
		for s := 0; s < n-1; {
			e := max(searchFloat(tr.T, tr.T[s]+W), s+1)
			if n-1-e < (e-s)/2 {
				e = n - 1
			}
			win := window{traj: k, s: s, e: e, sub: make([]int, e-s)}
			for i := s; i < e; i++ {
				win.sub[i-s] = max(1, int(math.Ceil((tr.T[i+1]-tr.T[i])/hmax*(1-1e-12))))
			}
			r.wins = append(r.wins, win)
			if starts != nil {
				r.x0 = append(r.x0, starts[k][s]...)
			} else {
				r.x0 = append(r.x0, tr.X[s]...)
			}
			s = e + 1
		}
	}
	if r.k1 == nil {
		r.k1, r.k2, r.k3, r.k4, r.tmp = make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	}
	return r.levenbergMarquardt()
}

// simulate integrates window w from x0 with the current coefficients,
// writing the states at its samples into out (len e−s+1, each of length
// d); false if the simulation left the finite numbers.
func (r *refiner) simulate(w *window, x0 []float64, out [][]float64) bool {
	d := r.dim()
	t := r.data[w.traj].T
	x := out[0]
	copy(x, x0)
	for i := w.s; i < w.e; i++ {
		nx := out[i+1-w.s]
		copy(nx, x)
		h := (t[i+1] - t[i]) / float64(w.sub[i-w.s])
		for st := range w.sub[i-w.s] {
			tt := t[i] + float64(st)*h
			r.sys.Func(tt, nx, r.k1)
			for j := range d {
				r.tmp[j] = nx[j] + h/2*r.k1[j]
			}
			r.sys.Func(tt+h/2, r.tmp, r.k2)
			for j := range d {
				r.tmp[j] = nx[j] + h/2*r.k2[j]
			}
			r.sys.Func(tt+h/2, r.tmp, r.k3)
			for j := range d {
				r.tmp[j] = nx[j] + h*r.k3[j]
			}
			r.sys.Func(tt+h, r.tmp, r.k4)
			for j := range d {
				nx[j] += h / 6 * (r.k1[j] + 2*r.k2[j] + 2*r.k3[j] + r.k4[j])
			}
		}
		x = nx
	}
	return allFinite(x)
}

// cost returns the weighted sum of squared residuals of every window, or
// +Inf if a simulation diverged.
func (r *refiner) cost(buf [][]float64) float64 {
	d := r.dim()
	var c float64
	for wi := range r.wins {
		w := &r.wins[wi]
		out := buf[:w.e-w.s+1]
		if !r.simulate(w, r.x0[wi*d:(wi+1)*d], out) {
			return math.Inf(1)
		}
		X := r.data[w.traj].X
		for i := w.s; i <= w.e; i++ {
			for j := range d {
				res := (X[i][j] - out[i-w.s][j]) * r.w[j]
				c += res * res
			}
		}
	}
	return c
}

// simulateAll returns the simulation of every window, stitched per
// trajectory, for the next stage's starting states.
func (r *refiner) simulateAll() [][][]float64 {
	d := r.dim()
	out := make([][][]float64, len(r.data))
	for k := range r.data {
		out[k] = make([][]float64, len(r.data[k].T))
		for i := range out[k] {
			out[k][i] = make([]float64, d)
		}
	}
	for wi := range r.wins {
		w := &r.wins[wi]
		r.simulate(w, r.x0[wi*d:(wi+1)*d], out[w.traj][w.s:w.e+1])
	}
	return out
}

func newRows(n, d int) [][]float64 {
	out := make([][]float64, n)
	back := make([]float64, n*d)
	for i := range out {
		out[i] = back[i*d : (i+1)*d : (i+1)*d]
	}
	return out
}

// lmWork is the workspace of the Gauss–Newton normal equations.
type lmWork struct {
	base, pert [][]float64
	jac        [][][]float64 // window-local parameter → residual rows
	idx        []int
	jtj, jtr   []float64
}

func (r *refiner) newWork() *lmWork {
	d, nc := r.dim(), len(r.free)
	np := len(r.wins)*d + nc
	longest := 0
	for _, w := range r.wins {
		longest = max(longest, w.e-w.s+1)
	}
	ws := &lmWork{base: newRows(longest, d), pert: newRows(longest, d), jac: make([][][]float64, d+nc),
		idx: make([]int, d+nc), jtj: make([]float64, np*np), jtr: make([]float64, np)}
	for q := range ws.jac {
		ws.jac[q] = newRows(longest, d)
	}
	return ws
}

// normal forms the Gauss–Newton normal equations JᵀJ (lower triangle) and
// Jᵀr at the current window states and coefficients. The Jacobian comes
// from forward differences of whole window simulations: each window
// depends on its own d initial values and the shared coefficients only.
func (r *refiner) normal(ws *lmWork) error {
	d := r.dim()
	nc := len(r.free)
	nw := len(r.wins)
	np := nw*d + nc
	base, pert, jac, idx, jtj, jtr := ws.base, ws.pert, ws.jac, ws.idx, ws.jtj, ws.jtr
	clear(jtj)
	clear(jtr)
	for wi := range r.wins {
		w := &r.wins[wi]
		L := w.e - w.s + 1
		x0 := r.x0[wi*d : (wi+1)*d]
		r.simulate(w, x0, base[:L])
		for q := range d + nc {
			var v *float64
			if q < d {
				v, idx[q] = &x0[q], wi*d+q
			} else {
				v, idx[q] = &r.sys.coef[r.free[q-d]], nw*d+q-d
			}
			old := *v
			h := 1e-7 * math.Max(1, math.Abs(old))
			*v = old + h
			h = *v - old
			ok := r.simulate(w, x0, pert[:L])
			*v = old
			if !ok {
				return fmt.Errorf("%w: a perturbed model diverged during refinement", ErrDiverged)
			}
			for i := range L {
				for j := range d {
					jac[q][i][j] = (pert[i][j] - base[i][j]) / h * r.w[j]
				}
			}
		}
		X := r.data[w.traj].X
		for i := range L {
			for j := range d {
				res := (X[w.s+i][j] - base[i][j]) * r.w[j]
				for q, pq := range idx {
					g := jac[q][i][j]
					jtr[pq] += g * res
					row := jtj[pq*np:]
					for q2, pq2 := range idx[:q+1] {
						row[pq2] += g * jac[q2][i][j]
					}
				}
			}
		}
	}
	return nil
}

// levenbergMarquardt minimises the cost over the window initial states and
// the coefficients; the damped normal equations are solved densely: the
// unknowns number d·windows + terms.
func (r *refiner) levenbergMarquardt() error {
	d := r.dim()
	nc := len(r.free)
	nw := len(r.wins)
	np := nw*d + nc
	ws := r.newWork()
	base, jtj, jtr := ws.base, ws.jtj, ws.jtr
	a := make([]float64, np*np)
	step := make([]float64, np)
	saveX0 := make([]float64, len(r.x0))
	saveC := make([]float64, len(r.sys.coef))

	cur := r.cost(base)
	if math.IsInf(cur, 1) {
		return fmt.Errorf("%w: the model cannot be simulated across the refinement windows", ErrDiverged)
	}
	lambda := 1e-3
	for range r.iters {
		if err := r.normal(ws); err != nil {
			return err
		}
		// idx lists window-local unknowns before the shared ones, so the
		// accumulated entries are in the lower triangle (row ≥ column)
		// except between a window's states and the coefficients, which
		// were written as (coefficient row, state column): also lower.
		copy(saveX0, r.x0)
		copy(saveC, r.sys.coef)
		improved, converged := false, false
		for !improved && lambda < 1e10 {
			copy(a, jtj)
			for i := range np {
				a[i*np+i] *= 1 + lambda
				if a[i*np+i] == 0 {
					a[i*np+i] = lambda
				}
			}
			copy(step, jtr)
			if !cholSolve(a, step, np) {
				lambda *= 10
				continue
			}
			for i := range nw * d {
				r.x0[i] = saveX0[i] + step[i]
			}
			for i, c := range r.free {
				r.sys.coef[c] = saveC[c] + step[nw*d+i]
			}
			if c := r.cost(base); c < cur {
				converged = cur-c <= 1e-6*cur
				cur, improved = c, true
				lambda = math.Max(lambda/10, 1e-12)
			} else {
				copy(r.x0, saveX0)
				copy(r.sys.coef, saveC)
				lambda *= 10
			}
		}
		if !improved || converged {
			break // converged: no damped step lowers the cost, or not by much
		}
	}
	r.final = cur
	return nil
}

// wald returns, for each free coefficient, the Wald statistic
// ξ²/Var(ξ) at the current estimate, with the covariance from the
// Gauss–Newton normal equations (window initial states included as
// nuisance parameters) scaled by the residual variance. Dropping a term
// raises the weighted cost by about its statistic.
func (r *refiner) wald() ([]float64, error) {
	ws := r.newWork()
	if err := r.normal(ws); err != nil {
		return nil, err
	}
	d, nc, nw := r.dim(), len(r.free), len(r.wins)
	np := nw*d + nc
	a := mat.NewSymDense(np, nil)
	for i := range np {
		for j := 0; j <= i; j++ {
			a.SetSym(i, j, ws.jtj[i*np+j])
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(a) {
		return nil, fmt.Errorf("%w: the refined coefficients are not identifiable", ErrSingular)
	}
	nres := 0
	for _, w := range r.wins {
		nres += (w.e - w.s + 1) * d
	}
	s2 := r.final / float64(max(1, nres-np))
	out := make([]float64, nc)
	e := mat.NewVecDense(np, nil)
	var col mat.VecDense
	for q, c := range r.free {
		e.Zero()
		e.SetVec(nw*d+q, 1)
		if err := ch.SolveVecTo(&col, e); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSingular, err)
		}
		v := col.AtVec(nw*d + q)
		x := r.sys.coef[c]
		out[q] = x * x / (s2 * v)
	}
	return out, nil
}

// nres returns the number of residuals of the current stage.
func (r *refiner) nres() int {
	n := 0
	for _, w := range r.wins {
		n += (w.e - w.s + 1) * r.dim()
	}
	return n
}

// scores returns, for every term outside support (and not fixed), the
// score (Lagrange multiplier) statistic for adding it to the model r has
// refined: the drop in the weighted cost that adding the term would bring,
// to first order, in units of the residual variance. Terms in the support
// or fixed get −1.
func (m *Model) scores(r *refiner, support [][]bool, fixed [][]bool) ([][]float64, error) {
	k, p := m.Coef.Dims()
	all := make([][]bool, k)
	for i := range all {
		all[i] = make([]bool, p)
		for j := range all[i] {
			all[i][j] = true
		}
	}
	sys := m.systemFor(all)
	var free []int
	for i := range k {
		for j := range p {
			if fixed == nil || !fixed[i][j] {
				free = append(free, i*p+j)
			}
		}
	}
	full := &refiner{sys: sys, free: free, data: r.data, w: r.w, maxStep: r.maxStep, wins: r.wins, x0: r.x0,
		final: r.final, k1: r.k1, k2: r.k2, k3: r.k3, k4: r.k4, tmp: r.tmp}
	ws := full.newWork()
	if err := full.normal(ws); err != nil {
		return nil, err
	}
	d, nw := r.dim(), len(r.wins)
	np := nw*d + len(free)
	// P: the window states and the support's free terms.
	var P, A []int
	for q := range nw * d {
		P = append(P, q)
	}
	for q, c := range free {
		if support[c/p][c%p] {
			P = append(P, nw*d+q)
		} else {
			A = append(A, nw*d+q)
		}
	}
	at := func(a, b int) float64 {
		if a < b {
			a, b = b, a
		}
		return ws.jtj[a*np+b]
	}
	mpp := mat.NewSymDense(len(P), nil)
	for a, pa := range P {
		for b := 0; b <= a; b++ {
			mpp.SetSym(a, b, at(pa, P[b]))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mpp) {
		return nil, fmt.Errorf("%w: the refined coefficients are not identifiable", ErrSingular)
	}
	gp := mat.NewVecDense(len(P), nil)
	for a, pa := range P {
		gp.SetVec(a, ws.jtr[pa])
	}
	s2 := r.final / float64(max(1, r.nres()-len(P)))
	out := make([][]float64, k)
	for i := range out {
		out[i] = make([]float64, p)
		for j := range out[i] {
			out[i][j] = -1
		}
	}
	v := mat.NewVecDense(len(P), nil)
	var sol mat.VecDense
	for _, a := range A {
		for b, pb := range P {
			v.SetVec(b, at(a, pb))
		}
		if err := ch.SolveVecTo(&sol, v); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSingular, err)
		}
		schur := at(a, a) - mat.Dot(v, &sol)
		g := ws.jtr[a] - mat.Dot(&sol, gp)
		c := free[a-nw*d]
		if schur > 0 {
			out[c/p][c%p] = g * g / (s2 * schur)
		}
	}
	return out, nil
}

// stepwise refines m over support (modified in place) and then, on the
// last stage's windows, alternately drops the least significant term
// (Wald statistic below ln N, BIC's price of a term) and adds the most
// significant missing one (score statistic above ln N), refining warm
// after each change, until no change is called for.
func (m *Model) stepwise(data []Trajectory, opts *Refinement, support [][]bool, r *refiner) (*refiner, error) {
	type ij struct{ i, j int }
	var fixed [][]bool
	if opts != nil {
		fixed = opts.Fixed
	}
	seen := map[string]bool{}
	key := func() string { return supportKey(support) }
	seen[key()] = true
	for range 4 * len(m.Features) * len(m.Names) {
		lnN := math.Log(float64(r.nres()))
		var pos []ij
		for i := range support {
			for j, in := range support[i] {
				if in {
					pos = append(pos, ij{i, j})
				}
			}
		}
		t2, err := r.wald()
		if err != nil {
			return nil, err
		}
		qmin := -1
		for q, v := range t2 {
			if qmin < 0 || v < t2[qmin] {
				qmin = q
			}
		}
		change := ij{-1, -1}
		if qmin >= 0 && t2[qmin] < lnN {
			change = pos[r.free[qmin]]
		} else {
			sc, err := m.scores(r, support, fixed)
			if err != nil {
				return nil, err
			}
			// Adding asks for stronger evidence than keeping: a term the
			// model lacks scores in the hundreds or thousands, and a low
			// bar admits chance terms that short windows cannot tell apart.
			best := max(3*lnN, 25)
			for i := range sc {
				for j, v := range sc[i] {
					if v > best {
						best, change = v, ij{i, j}
					}
				}
			}
		}
		if change.i < 0 {
			return r, nil
		}
		support[change.i][change.j] = !support[change.i][change.j]
		old := m.Coef.At(change.i, change.j)
		m.Coef.Set(change.i, change.j, 0)
		if seen[key()] {
			// A cycle: undo and stop.
			support[change.i][change.j] = !support[change.i][change.j]
			m.Coef.Set(change.i, change.j, old)
			return r, nil
		}
		seen[key()] = true
		// After the first stage, warm starts on long windows can stall in
		// a poor local minimum when the support changes: run the
		// continuation again from the short windows.
		var nr *refiner
		if r.stageIdx == 0 {
			nr, err = m.refine(data, opts, support, r.sims, 0, 1)
		} else {
			nr, err = m.refine(data, opts, support, nil, 0, r.stageIdx+1)
		}
		if err != nil {
			return nil, err
		}
		if nr == nil {
			return r, nil
		}
		r = nr
	}
	return r, nil
}

// snapshot is the state of a refiner after a stage.
type snapshot struct {
	wins     []window
	x0, coef []float64
	final    float64
	perRes   float64
	sims     [][][]float64
	stageIdx int
}

func (r *refiner) snapshot() *snapshot {
	return &snapshot{wins: slices.Clone(r.wins), x0: slices.Clone(r.x0), coef: slices.Clone(r.sys.coef),
		final: r.final, perRes: r.final / float64(r.nres()), sims: r.sims, stageIdx: r.stageIdx}
}

func (r *refiner) restore(s *snapshot) {
	r.wins = append(r.wins[:0], s.wins...)
	r.x0 = append(r.x0[:0], s.x0...)
	copy(r.sys.coef, s.coef)
	r.final, r.sims, r.stageIdx = s.final, s.sims, s.stageIdx
}
