package ode

import "math"

// tableau is an explicit Runge–Kutta method as data: one engine (rkStepper)
// runs every method; adding a method never touches the engine.
type tableau struct {
	name  string
	order int // order of the propagated solution (and of Hairer's HINIT)
	c     []float64
	a     [][]float64 // a[i] holds the i coefficients of stage i (a[0] empty)
	// b are the weights of the propagated solution. For FSAL methods b
	// equals the last row of a, whose stage is f(t+h, y1).
	b []float64
	// e are the weights of the error estimate h·Σ e_i k_i (b − b̂); nil for
	// fixed-step methods.
	e    []float64
	fsal bool
	// ctrl is the step-size controller (adaptive methods only).
	ctrl controller
	// dense fills w[i] = b_i(θ), the continuous extension's weights, so that
	// y(t0+θh) = y0 + h Σ w_i k_i. Nil means the cubic Hermite interpolant
	// through (y0, f0) and (y1, f1).
	dense func(theta float64, w []float64)
	// stiffCheck is set for methods whose last two stages are both at
	// t+h (dopri5, tsit5): Hairer's stiffness estimate then costs nothing.
	stiffCheck bool
}

// controller holds the constants of Hairer's Lund-stabilised PI step-size
// controller (DOPRI5/DOP853):
//
//	fac = err^(1/q − 0.75β) / errOld^β / safe, clamped to [1/facMax, 1/facMin]
//	hnew = h / fac
type controller struct {
	q, beta, safe, facMin, facMax float64
}

var hairer5 = controller{q: 5, beta: 0.04, safe: 0.9, facMin: 0.2, facMax: 10}

// rkStepper runs any explicit tableau.
type rkStepper struct {
	tab    *tableau
	p      *problem
	n, s   int
	rows   [][]sparseCoef // non-zero a_ij per stage
	brow   []sparseCoef
	erow   []sparseCoef
	k      [][]float64
	ytmp   []float64
	errv   []float64
	ysti   []float64 // second-to-last stage input, for the stiffness test
	w      []float64 // dense weights
	wrow   []sparseCoef
	kEnd   []float64 // f(t1, y1) for non-FSAL methods
	fixed  bool
	expo1  float64
	facOld float64
	// facOldPow is facOld^β, and minFacPow (1e-4)^β: the controller's
	// second power, computed once per accepted step from the same
	// logarithm as the first.
	facOldPow, minFacPow float64
	// facc1 = 1/facMin and facc2 = 1/facMax, as in DOPRI5
	facc1, facc2 float64
	reject       bool
	// pendingFSAL: the last stage of the accepted step becomes k[0] when
	// the next step starts (kept apart until then for interpolation).
	pendingFSAL bool
	// the last accepted step, for interpolation
	t0, h  float64
	y0, y1 []float64
	// detectStiff turns on Hairer's stiffness estimate (method "auto").
	detectStiff bool
	hLambda     float64
}

type sparseCoef struct {
	j int
	a float64
}

func sparse(row []float64) []sparseCoef {
	var out []sparseCoef
	for j, a := range row {
		if a != 0 {
			out = append(out, sparseCoef{j, a})
		}
	}
	return out
}

func newRK(tab *tableau, n int) *rkStepper {
	s := len(tab.c)
	r := &rkStepper{tab: tab, n: n, s: s, fixed: tab.e == nil}
	r.rows = make([][]sparseCoef, s)
	for i := 1; i < s; i++ {
		r.rows[i] = sparse(tab.a[i])
	}
	r.brow = sparse(tab.b)
	if tab.e != nil {
		r.erow = sparse(tab.e)
		r.expo1 = 1/tab.ctrl.q - 0.75*tab.ctrl.beta
		r.facc1, r.facc2 = 1/tab.ctrl.facMin, 1/tab.ctrl.facMax
	}
	r.k = make([][]float64, s)
	for i := range r.k {
		r.k[i] = make([]float64, n)
	}
	r.ytmp = make([]float64, n)
	r.errv = make([]float64, n)
	r.ysti = make([]float64, n)
	r.w = make([]float64, s)
	r.wrow = make([]sparseCoef, s)
	r.kEnd = make([]float64, n)
	return r
}

func (r *rkStepper) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	r.p = p
	r.facOld = 1e-4
	if !r.fixed {
		r.minFacPow = powFn(1e-4, r.tab.ctrl.beta)
		r.facOldPow = r.minFacPow
	}
	r.reject = false
	r.pendingFSAL = false
	r.hLambda = 0
	p.fcall(t0, y0, r.k[0])
	if r.fixed {
		return p.dir * p.opt.StepSize, nil
	}
	if h := p.opt.FirstStep; h > 0 {
		return p.dir * math.Min(h, p.hmax), nil
	}
	return initialStep(p, t0, y0, r.k[0], r.tab.order, r.ytmp, r.errv), nil
}

// initialStep is Hairer's HINIT: an explicit Euler probe estimates the
// second derivative and picks h so that the leading error term is ~0.01.
// f0 = f(t0, y0); y1 and f1 are scratch.
func initialStep(p *problem, t0 float64, y0, f0 []float64, order int, y1, f1 []float64) float64 {
	rtol := p.opt.rtol
	nd := p.opt.normDims
	dnf, dny := 0.0, 0.0
	for i := 0; i < nd; i++ {
		// a component with weight 0 (atol 0 and y0 = 0) has no scale at
		// t0: it cannot guide the first step, and the error control of
		// the steps (where max(|y|, |ynew|) > 0) takes care of it
		sk := p.opt.atol[i] + rtol*math.Abs(y0[i])
		if sk == 0 {
			continue
		}
		dnf += (f0[i] / sk) * (f0[i] / sk)
		dny += (y0[i] / sk) * (y0[i] / sk)
	}
	var h float64
	if dnf <= 1e-10 || dny <= 1e-10 {
		h = 1e-6
	} else {
		h = math.Sqrt(dny/dnf) * 0.01
	}
	if !(h > 0) {
		// Inf/Inf: the scaled norms overflowed (tolerances near the
		// smallest float); the step size control will say what it can do
		h = 1e-6
	}
	h = math.Min(h, p.hmax)
	h = math.Copysign(h, p.dir)
	for i := range y1 {
		y1[i] = y0[i] + h*f0[i]
	}
	p.fcall(t0+h, y1, f1)
	der2 := 0.0
	for i := 0; i < nd; i++ {
		sk := p.opt.atol[i] + rtol*math.Abs(y0[i])
		if sk == 0 {
			continue
		}
		d := (f1[i] - f0[i]) / sk
		der2 += d * d
	}
	der2 = math.Sqrt(der2) / h
	der12 := math.Max(math.Abs(der2), math.Sqrt(dnf))
	var h1 float64
	if der12 <= 1e-15 {
		h1 = math.Max(1e-6, math.Abs(h)*1e-3)
	} else {
		h1 = powFn(0.01/der12, 1/float64(order))
	}
	h = math.Min(math.Min(100*math.Abs(h), h1), p.hmax)
	return math.Copysign(h, p.dir)
}

func (r *rkStepper) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	if r.tab == dopri5 {
		return r.stepDopri5(t, y, h, ynew)
	}
	p, k, s := r.p, r.k, r.s
	if r.pendingFSAL {
		if r.tab.fsal {
			k[0], k[s-1] = k[s-1], k[0]
		} else {
			k[0], r.kEnd = r.kEnd, k[0]
		}
		r.pendingFSAL = false
	}
	c := r.tab.c
	last := s - 1
	for i := 1; i < s; i++ {
		dst := r.ytmp
		if r.tab.fsal && i == last {
			dst = ynew
		}
		combine(dst, y, h, r.rows[i], k)
		if r.detectStiff && i == last-1 {
			copy(r.ysti, dst)
		}
		ti := t + c[i]*h
		if c[i] == 1 {
			ti = t + h
		}
		p.fcall(ti, dst, k[i])
	}
	if !r.tab.fsal {
		combine(ynew, y, h, r.brow, k)
	}
	if r.fixed {
		if !r.tab.fsal {
			p.fcall(t+h, ynew, r.kEnd)
		}
		r.accept(t, h, y, ynew)
		p.stats.Accepted++
		return true, h, nil
	}
	// error estimate (e·k)·h, summed in Hairer's order
	ev := r.errv
	for i := range ev {
		acc := 0.0
		for _, e := range r.erow {
			acc += e.a * k[e.j][i]
		}
		ev[i] = acc * h
	}
	return r.control(t, y, h, ynew, p.errNorm(ev, y, ynew))
}

// combine writes dst = y + h·Σ a_j k_j, summing left to right like
// Hairer's codes (so results match them bit for bit without FMA).
func combine(dst, y []float64, h float64, row []sparseCoef, k [][]float64) {
	switch len(row) {
	case 1:
		a0, k0 := h*row[0].a, k[row[0].j]
		for i := range dst {
			dst[i] = y[i] + a0*k0[i]
		}
		return
	case 2:
		a0, a1 := row[0].a, row[1].a
		k0, k1 := k[row[0].j], k[row[1].j]
		for i := range dst {
			dst[i] = y[i] + h*(a0*k0[i]+a1*k1[i])
		}
		return
	case 3:
		a0, a1, a2 := row[0].a, row[1].a, row[2].a
		k0, k1, k2 := k[row[0].j], k[row[1].j], k[row[2].j]
		for i := range dst {
			dst[i] = y[i] + h*(a0*k0[i]+a1*k1[i]+a2*k2[i])
		}
		return
	case 4:
		a0, a1, a2, a3 := row[0].a, row[1].a, row[2].a, row[3].a
		k0, k1, k2, k3 := k[row[0].j], k[row[1].j], k[row[2].j], k[row[3].j]
		for i := range dst {
			dst[i] = y[i] + h*(a0*k0[i]+a1*k1[i]+a2*k2[i]+a3*k3[i])
		}
		return
	case 5:
		a0, a1, a2, a3, a4 := row[0].a, row[1].a, row[2].a, row[3].a, row[4].a
		k0, k1, k2, k3, k4 := k[row[0].j], k[row[1].j], k[row[2].j], k[row[3].j], k[row[4].j]
		for i := range dst {
			dst[i] = y[i] + h*(a0*k0[i]+a1*k1[i]+a2*k2[i]+a3*k3[i]+a4*k4[i])
		}
		return
	}
	for i := range dst {
		acc := 0.0
		for _, c := range row {
			acc += c.a * k[c.j][i]
		}
		dst[i] = y[i] + h*acc
	}
}

func (r *rkStepper) accept(t, h float64, y, ynew []float64) {
	r.t0, r.h, r.y0, r.y1 = t, h, y, ynew
	r.pendingFSAL = true
}

// stiffEstimate is Hairer's h·ρ: h‖f(y1) − f(ỹ)‖/‖y1 − ỹ‖, where ỹ is the
// input of the second-to-last stage (also at t+h).
func (r *rkStepper) stiffEstimate(h float64, ynew []float64) float64 {
	num, den := 0.0, 0.0
	ka, kb := r.k[r.s-1], r.k[r.s-2]
	for i := range ynew {
		d := ka[i] - kb[i]
		num += d * d
		d = ynew[i] - r.ysti[i]
		den += d * d
	}
	if den <= 0 {
		return 0
	}
	return math.Abs(h) * math.Sqrt(num/den)
}

// stiffness returns Hairer's estimate h·ρ of the last accepted step
// (needs detectStiff); values above about 3.25 mean the step size is
// limited by stability, not accuracy.
func (r *rkStepper) stiffness() float64 { return r.hLambda }

// fEnd returns f(t1, y1) of the last accepted step.
func (r *rkStepper) fEnd() []float64 {
	if r.tab.fsal {
		return r.k[r.s-1]
	}
	return r.kEnd
}

func (r *rkStepper) interp(t float64, out []float64) {
	theta := (t - r.t0) / r.h
	if r.tab.dense == nil {
		hermite(theta, r.h, r.y0, r.y1, r.k[0], r.fEnd(), out)
		return
	}
	denseWeights(r.tab, theta, r.w)
	for j, a := range r.w {
		r.wrow[j] = sparseCoef{j, a}
	}
	combine(out, r.y0, r.h, r.wrow, r.k)
}

// hermite writes the cubic Hermite interpolant through (y0, f0), (y1, f1)
// at θ ∈ [0, 1] of a step of size h.
func hermite(theta, h float64, y0, y1, f0, f1, out []float64) {
	t1 := theta - 1
	for i := range out {
		d := y1[i] - y0[i]
		out[i] = y0[i] + theta*d + theta*t1*((1-2*theta)*d+t1*h*f0[i]+theta*h*f1[i])
	}
}

// appendDense stores [t0, h, y0, k_0..k_{s−1}] (Hermite: [t0, h, y0, y1, f0, f1]).
func (r *rkStepper) appendDense(buf []float64) []float64 {
	buf = append(buf, r.t0, r.h)
	buf = append(buf, r.y0...)
	if r.tab.dense == nil {
		buf = append(buf, r.y1...)
		buf = append(buf, r.k[0]...)
		return append(buf, r.fEnd()...)
	}
	for _, k := range r.k {
		buf = append(buf, k...)
	}
	return buf
}

func (r *rkStepper) evalDense(seg []float64, t float64, out []float64) {
	n := r.n
	t0, h := seg[0], seg[1]
	y0 := seg[2 : 2+n]
	theta := (t - t0) / h
	if r.tab.dense == nil {
		y1, f0, f1 := seg[2+n:2+2*n], seg[2+2*n:2+3*n], seg[2+3*n:2+4*n]
		hermite(theta, h, y0, y1, f0, f1, out)
		return
	}
	var wbuf [16]float64 // every tableau here has at most 16 stages
	w := wbuf[:r.s]
	denseWeights(r.tab, theta, w)
	for i := range out {
		acc := 0.0
		for j, wj := range w {
			acc += wj * seg[2+n+j*n+i]
		}
		out[i] = y0[i] + h*acc
	}
}

// denseWeights calls tab's continuous extension. The known ones are called
// directly, so escape analysis keeps w on the caller's stack.
func denseWeights(tab *tableau, theta float64, w []float64) {
	switch tab {
	case dopri5:
		dopri5Dense(theta, w)
	case tsit5:
		tsit5Dense(theta, w)
	default:
		// a new tableau: correct, but the indirect call costs an
		// allocation (add it to the cases above)
		tmp := make([]float64, len(w))
		tab.dense(theta, tmp)
		copy(w, tmp)
	}
}
